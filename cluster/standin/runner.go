package standin

import (
	"context"
	"fmt"
	"time"

	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/util/retry"

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
// Succeeded for exit code 0, Failed otherwise.
func (s *StandIn) endPod(ctx context.Context, pod *corev1.Pod, exitCode int32, message string) error {
	if ctx.Err() != nil {
		return nil
	}
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		cur, err := s.kube.CoreV1().Pods(pod.Namespace).Get(ctx, pod.Name, metav1.GetOptions{})
		if err != nil {
			return err
		}
		if cur.UID != pod.UID || !cur.DeletionTimestamp.IsZero() {
			return nil
		}
		now := metav1.NewTime(time.Now())
		cur.Status.Phase = corev1.PodSucceeded
		reason := "Completed"
		if exitCode != 0 {
			cur.Status.Phase, reason = corev1.PodFailed, "Error"
		}
		var statuses []corev1.ContainerStatus
		for _, c := range cur.Spec.Containers {
			code := int32(0)
			if c.Name == runnerContainer || c.Name == listenerContainer {
				code = exitCode
			}
			r := "Completed"
			if code != 0 {
				r = reason
			}
			statuses = append(statuses, corev1.ContainerStatus{Name: c.Name, Image: c.Image, State: corev1.ContainerState{
				Terminated: &corev1.ContainerStateTerminated{ExitCode: code, Reason: r, Message: message, StartedAt: cur.CreationTimestamp, FinishedAt: now},
			}})
		}
		cur.Status.ContainerStatuses = statuses
		for i := range cur.Status.Conditions {
			if cur.Status.Conditions[i].Type == corev1.PodReady || cur.Status.Conditions[i].Type == corev1.ContainersReady {
				cur.Status.Conditions[i].Status = corev1.ConditionFalse
			}
		}
		_, err = s.kube.CoreV1().Pods(pod.Namespace).UpdateStatus(ctx, cur, metav1.UpdateOptions{})
		return err
	})
	if err != nil && ctx.Err() == nil {
		return fmt.Errorf("%s %s: %w", errEndPod, pod.Name, err)
	}
	return nil
}
