package standin

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
	kerrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/arc-crossplane/provider-github-arc/internal/simulator/simclient"
)

const (
	runnerContainer = "runner"
	envJITConfig    = "ACTIONS_RUNNER_INPUT_JITCONFIG"

	errNoJITConfig = "the runner container has no " + envJITConfig + " from a Secret"
	errReadJIT     = "cannot read the runner's JIT config"
	errEndPod      = "cannot end the pod"
)

// playRunner is what the runner container would do: register with its JIT
// config, take a job, run it, exit.
func (s *StandIn) playRunner(ctx context.Context, log logr.Logger, pod *corev1.Pod) error {
	jit, err := s.jitConfig(ctx, pod)
	if err != nil {
		return s.endPod(ctx, pod, 1, err.Error())
	}
	if s.o.RunnerOutcome != nil {
		if out := s.o.RunnerOutcome(pod); out.Fail {
			log.V(1).Info("runner fails as scripted", "exitCode", out.ExitCode)
			return s.endPod(ctx, pod, out.ExitCode, "scripted failure")
		}
	}
	res, err := s.o.Simulator.RunRunner(ctx, jit, s.o.RunnerJobWait)
	switch {
	case ctx.Err() != nil:
		// The pod went: the process was killed.
		return nil
	case simclient.IsNotFound(err):
		// Removed from the service while it waited: the runner exits.
		return s.endPod(ctx, pod, 0, "runner removed from the service")
	case err != nil:
		return s.endPod(ctx, pod, 1, err.Error())
	}
	log.V(1).Info("runner exited", "runnerId", res.RunnerID, "jobId", res.JobID, "exitCode", res.ExitCode)
	return s.endPod(ctx, pod, int32(res.ExitCode), "") //nolint:gosec // exit codes are small.
}

// jitConfig reads ACTIONS_RUNNER_INPUT_JITCONFIG as the kubelet would: from
// the Secret the runner container's env references.
func (s *StandIn) jitConfig(ctx context.Context, pod *corev1.Pod) (string, error) {
	for _, c := range pod.Spec.Containers {
		if c.Name != runnerContainer {
			continue
		}
		for _, e := range c.Env {
			if e.Name != envJITConfig {
				continue
			}
			if e.Value != "" {
				return e.Value, nil
			}
			if e.ValueFrom == nil || e.ValueFrom.SecretKeyRef == nil {
				break
			}
			ref := e.ValueFrom.SecretKeyRef
			sec, err := s.kube.CoreV1().Secrets(pod.Namespace).Get(ctx, ref.Name, metav1.GetOptions{})
			if err != nil {
				return "", fmt.Errorf("%s: %w", errReadJIT, err)
			}
			return string(sec.Data[ref.Key]), nil
		}
	}
	return "", fmt.Errorf("%s", errNoJITConfig)
}

// endPod marks the pod ended as the kubelet would when its containers exit:
// Succeeded for exit code 0, Failed otherwise. Like the kubelet's status
// manager it patches the status without reading the pod first, the pod's UID
// in the patch as a precondition (a pod recreated under the name is left
// alone): a GET per ended pod was a tenth of the requests of a burst's end.
func (s *StandIn) endPod(ctx context.Context, pod *corev1.Pod, exitCode int32, message string) error {
	if ctx.Err() != nil {
		return nil
	}
	patch, err := json.Marshal(endedStatusPatch(pod, exitCode, message, metav1.NewTime(time.Now())))
	if err != nil {
		return fmt.Errorf("%s %s: %w", errEndPod, pod.Name, err)
	}
	_, err = s.kube.CoreV1().Pods(pod.Namespace).Patch(ctx, pod.Name, types.StrategicMergePatchType, patch, metav1.PatchOptions{}, "status")
	switch {
	case ctx.Err() != nil, kerrors.IsNotFound(err), replaced(err):
		return nil
	case err != nil:
		return fmt.Errorf("%s %s: %w", errEndPod, pod.Name, err)
	}
	return nil
}

// replaced tells whether err refuses a patch for the UID it carries: the
// pod of that name is another one.
func replaced(err error) bool {
	if !kerrors.IsInvalid(err) {
		return false
	}
	var status kerrors.APIStatus
	if !errors.As(err, &status) || status.Status().Details == nil {
		return false
	}
	for _, c := range status.Status().Details.Causes {
		if c.Field == "metadata.uid" {
			return true
		}
	}
	return false
}

// endedStatusPatch is a strategic merge patch of pod's status: every
// container terminated (the played one with exitCode), the phase that
// follows, and the pod no longer ready.
func endedStatusPatch(pod *corev1.Pod, exitCode int32, message string, now metav1.Time) map[string]any {
	phase, reason := corev1.PodSucceeded, "Completed"
	if exitCode != 0 {
		phase, reason = corev1.PodFailed, "Error"
	}
	var statuses []corev1.ContainerStatus
	for _, c := range pod.Spec.Containers {
		code := int32(0)
		if c.Name == runnerContainer || c.Name == listenerContainer {
			code = exitCode
		}
		r := "Completed"
		if code != 0 {
			r = reason
		}
		statuses = append(statuses, corev1.ContainerStatus{Name: c.Name, Image: c.Image, State: corev1.ContainerState{
			Terminated: &corev1.ContainerStateTerminated{ExitCode: code, Reason: r, Message: message, StartedAt: pod.CreationTimestamp, FinishedAt: now},
		}})
	}
	return map[string]any{
		"metadata": map[string]any{"uid": pod.UID},
		"status": corev1.PodStatus{
			Phase:             phase,
			ContainerStatuses: statuses,
			Conditions: []corev1.PodCondition{
				{Type: corev1.PodReady, Status: corev1.ConditionFalse, Reason: "PodCompleted", LastTransitionTime: now},
				{Type: corev1.ContainersReady, Status: corev1.ConditionFalse, Reason: "PodCompleted", LastTransitionTime: now},
			},
		},
	}
}
