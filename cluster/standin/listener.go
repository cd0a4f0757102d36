package standin

import (
	"context"
	"os"

	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
)

const (
	listenerContainer = "listener"

	errNoListenerContainer = "the pod has no container named " + listenerContainer
)

// runListener runs the listener binary for a listener pod until the process
// exits (the pod then ends with its exit code) or the pod goes (the process
// gets SIGTERM).
func (s *StandIn) runListener(ctx context.Context, log logr.Logger, pod *corev1.Pod) error {
	if s.o.ListenerBinary == "" {
		return nil
	}
	spec := findContainer(pod, listenerContainer)
	if spec == nil {
		return s.endPod(ctx, pod, 1, errNoListenerContainer)
	}
	c := container{pod: pod, spec: spec, binary: s.o.ListenerBinary, env: s.o.ListenerEnv, podIP: "127.0.0.1", log: log}
	p, err := s.prepare(ctx, c, s.workDir())
	if err != nil {
		return s.endPod(ctx, pod, 1, err.Error())
	}
	defer os.RemoveAll(p.dir) //nolint:errcheck // best effort: a temp folder.
	code, err := c.run(ctx, p)
	if code < 0 {
		log.Info("listener stopped: its pod went")
		return nil
	}
	msg := ""
	if err != nil {
		msg = err.Error()
	}
	log.Info("listener exited", "exitCode", code)
	return s.endPod(ctx, pod, code, msg)
}

// findContainer is the pod's container of that name, nil when it has none.
func findContainer(pod *corev1.Pod, name string) *corev1.Container {
	for i := range pod.Spec.Containers {
		if pod.Spec.Containers[i].Name == name {
			return &pod.Spec.Containers[i]
		}
	}
	return nil
}

// workDir is where played pods get their folders.
func (s *StandIn) workDir() string {
	if s.o.WorkDir != "" {
		return s.o.WorkDir
	}
	return os.TempDir()
}
