package standin

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/arc-crossplane/provider-github-arc/cluster/testenv"
)

// endPod patches the status of the pod it played, as the kubelet would, and
// leaves alone a pod recreated under its name since.
func TestEndPod(t *testing.T) {
	env := testenv.Get(t)
	ns := env.Namespace(t)
	ctx := t.Context()
	kube, err := kubernetes.NewForConfig(env.Config)
	if err != nil {
		t.Fatal(err)
	}
	s := &StandIn{kube: kube}

	// Every pod is held back from scheduling, so that nothing but endPod writes
	// its status: kwok acts on pods by name, and could act on a deleted pod's
	// successor, or leave a successor waiting long to run.
	hold := []corev1.PodSchedulingGate{{Name: "arc.crossplane.io/test-hold"}}
	newPod := func(name string) *corev1.Pod {
		t.Helper()
		p := &corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns},
			Spec: corev1.PodSpec{RestartPolicy: corev1.RestartPolicyNever, SchedulingGates: hold, Containers: []corev1.Container{
				{Name: runnerContainer, Image: "example.invalid/runner:1"},
				{Name: "sidecar", Image: "example.invalid/sidecar:1"},
			}},
		}
		if err := env.Client.Create(ctx, p); err != nil {
			t.Fatalf("create pod %s: %v", name, err)
		}
		return p
	}
	type ended struct {
		Phase corev1.PodPhase
		Codes map[string]int32
		Ready corev1.ConditionStatus
	}
	endedOf := func(name string) ended {
		t.Helper()
		p := &corev1.Pod{}
		if err := env.Client.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, p); err != nil {
			t.Fatalf("get pod %s: %v", name, err)
		}
		e := ended{Phase: p.Status.Phase, Codes: map[string]int32{}}
		for _, c := range p.Status.ContainerStatuses {
			if c.State.Terminated != nil {
				e.Codes[c.Name] = c.State.Terminated.ExitCode
			}
		}
		for _, c := range p.Status.Conditions {
			if c.Type == corev1.PodReady {
				e.Ready = c.Status
			}
		}
		return e
	}

	cases := map[string]struct {
		reason   string
		exitCode int32
		recreate bool
		want     func(before ended) ended
	}{
		"Succeeded": {
			reason: "Exit code 0 ends the pod Succeeded, every container terminated.",
			want: func(ended) ended {
				return ended{Phase: corev1.PodSucceeded, Codes: map[string]int32{runnerContainer: 0, "sidecar": 0}, Ready: corev1.ConditionFalse}
			},
		},
		"Failed": {
			reason:   "A non-zero exit code is the played container's, and fails the pod.",
			exitCode: 3,
			want: func(ended) ended {
				return ended{Phase: corev1.PodFailed, Codes: map[string]int32{runnerContainer: 3, "sidecar": 0}, Ready: corev1.ConditionFalse}
			},
		},
		"Recreated": {
			reason:   "A pod recreated under the played pod's name is not the one that ended.",
			recreate: true,
			want:     func(before ended) ended { return before },
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			podName := "ended-" + strings.ToLower(name)
			played := newPod(podName)
			if tc.recreate {
				if err := env.Client.Delete(ctx, played, client.GracePeriodSeconds(0)); err != nil {
					t.Fatalf("delete: %v", err)
				}
				testenv.Eventually(t, time.Minute, "the played pod gone", func(ctx context.Context) (bool, error) {
					err := env.Client.Get(ctx, client.ObjectKeyFromObject(played), &corev1.Pod{})
					return client.IgnoreNotFound(err) == nil && err != nil, client.IgnoreNotFound(err)
				})
				newPod(podName)
			}
			before := endedOf(podName)
			if err := s.endPod(ctx, played, tc.exitCode, ""); err != nil {
				t.Fatalf("%s\nendPod: %v", tc.reason, err)
			}
			if diff := cmp.Diff(tc.want(before), endedOf(podName)); diff != "" {
				t.Errorf("%s\n-want +got:\n%s", tc.reason, diff)
			}
		})
	}
}
