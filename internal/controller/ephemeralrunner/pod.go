package ephemeralrunner

import (
	"fmt"
	"maps"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/arc-crossplane/provider-github-arc/apis/runners/v1alpha1"
	arcruntime "github.com/arc-crossplane/provider-github-arc/internal/controller/runtime"
)

const errNoRunnerContainer = "the pod template has no container named " + arcruntime.RunnerContainerName

// newRunnerPod is the runner's pod: the full template, with the runner
// container given the JIT config from the runner's own Secret. Nothing else
// is added: no credential of the provider reaches the pod.
func newRunnerPod(er *v1alpha1.EphemeralRunner, secretName string) (*corev1.Pod, error) {
	labels := map[string]string{}
	maps.Copy(labels, er.Spec.Template.Metadata.Labels)
	maps.Copy(labels, arcruntime.CommonLabels(arcruntime.ComponentRunner))
	labels[arcruntime.LabelEphemeralRunner] = er.Name
	if set := er.Labels[arcruntime.LabelEphemeralRunnerSet]; set != "" {
		labels[arcruntime.LabelEphemeralRunnerSet] = set
	}
	labels[arcruntime.LabelScaleSetID] = arcruntime.FormatInt64(er.Spec.ScaleSet.ID)

	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{
			Name:        er.Name,
			Namespace:   er.Namespace,
			Labels:      labels,
			Annotations: maps.Clone(er.Spec.Template.Metadata.Annotations),
		},
		Spec: *er.Spec.Template.Spec.DeepCopy(),
	}
	// A runner runs one job: a container that ends ends the runner.
	pod.Spec.RestartPolicy = corev1.RestartPolicyNever

	found := false
	for i := range pod.Spec.Containers {
		c := &pod.Spec.Containers[i]
		if c.Name != arcruntime.RunnerContainerName {
			continue
		}
		found = true
		env := c.Env[:0]
		for _, e := range c.Env {
			if e.Name != arcruntime.EnvJITConfig {
				env = append(env, e)
			}
		}
		c.Env = append(env, corev1.EnvVar{
			Name: arcruntime.EnvJITConfig,
			ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{
				LocalObjectReference: corev1.LocalObjectReference{Name: secretName},
				Key:                  arcruntime.JITConfigKey,
			}},
		})
	}
	if !found {
		return nil, fmt.Errorf("%s", errNoRunnerContainer)
	}
	return pod, nil
}

// podExit says how a runner pod ended: done is false while it has not.
type podExit struct {
	done     bool
	exitCode *int32
	reason   string
	message  string
}

func (e podExit) succeeded() bool { return e.done && e.exitCode != nil && *e.exitCode == 0 }

// PodSucceeded tells whether the runner of pod ended well, by the rule this
// controller finishes runners by: whatever the runner's status says yet.
func PodSucceeded(pod *corev1.Pod) bool { return runnerPodExit(pod).succeeded() }

// runnerPodExit reads the end of a runner pod from its phase and the runner
// container's state.
func runnerPodExit(pod *corev1.Pod) podExit {
	var e podExit
	for _, cs := range pod.Status.ContainerStatuses {
		if cs.Name != arcruntime.RunnerContainerName || cs.State.Terminated == nil {
			continue
		}
		t := cs.State.Terminated
		code := t.ExitCode
		e = podExit{done: true, exitCode: &code, reason: t.Reason, message: t.Message}
	}
	switch pod.Status.Phase {
	case corev1.PodSucceeded:
		if !e.done {
			zero := int32(0)
			e = podExit{done: true, exitCode: &zero, reason: "Completed"}
		}
	case corev1.PodFailed:
		if !e.done || e.succeeded() {
			// Evicted, or failed before the runner container ended.
			e = podExit{done: true, exitCode: e.exitCode, reason: pod.Status.Reason, message: pod.Status.Message}
			if e.exitCode != nil && *e.exitCode == 0 {
				e.exitCode = nil
			}
		}
	}
	if e.done && e.reason == "" {
		e.reason = "Error"
		if e.succeeded() {
			e.reason = "Completed"
		}
	}
	return e
}
