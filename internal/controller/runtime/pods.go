package runtime

import corev1 "k8s.io/api/core/v1"

// RunnerPodSucceeded tells whether the runner container of pod exited 0 (or
// the pod succeeded): the runner is done, whatever its EphemeralRunner says
// yet.
func RunnerPodSucceeded(pod *corev1.Pod) bool {
	if pod.Status.Phase == corev1.PodSucceeded {
		return true
	}
	for _, cs := range pod.Status.ContainerStatuses {
		if cs.Name == RunnerContainerName && cs.State.Terminated != nil {
			return cs.State.Terminated.ExitCode == 0
		}
	}
	return false
}
