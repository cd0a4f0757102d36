package ephemeralrunner

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/arc-crossplane/provider-github-arc/apis/runners/v1alpha1"
)

func TestPodBackoff(t *testing.T) {
	cases := map[string]struct {
		reason string
		base   time.Duration
		want   []time.Duration // after 1, 2, ... 7 failures
	}{
		"ARC": {
			reason: "ARC's schedule: at once, then 5, 10, 20, 40 and 80 seconds at most",
			base:   DefaultBackoffBase,
			want:   []time.Duration{0, 5 * time.Second, 10 * time.Second, 20 * time.Second, 40 * time.Second, 80 * time.Second, 80 * time.Second},
		},
		"Shortened": {
			reason: "a shorter base scales the whole schedule",
			base:   100 * time.Millisecond,
			want:   []time.Duration{0, 100 * time.Millisecond, 200 * time.Millisecond, 400 * time.Millisecond, 800 * time.Millisecond, 1600 * time.Millisecond, 1600 * time.Millisecond},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			var got []time.Duration
			for f := int32(1); f <= 7; f++ {
				got = append(got, podBackoff(f, tc.base))
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("%s\npodBackoff: -want +got:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestNextPodAt(t *testing.T) {
	last := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	cases := map[string]struct {
		reason string
		status v1alpha1.EphemeralRunnerStatus
		base   time.Duration
		want   time.Time
	}{
		"NoFailure": {
			reason: "A runner whose pods never failed may get a pod at once.",
			base:   DefaultBackoffBase,
			want:   time.Time{},
		},
		"AfterFirstFailure": {
			reason: "The first failed pod is replaced at once.",
			status: v1alpha1.EphemeralRunnerStatus{Failures: 1, PodFailures: []v1alpha1.PodFailure{{PodName: "p", FailedAt: metav1.NewTime(last)}}},
			base:   DefaultBackoffBase,
			want:   last,
		},
		"AfterThirdFailure": {
			reason: "After three failures the next pod waits 10 s from the last failure, not the first.",
			status: v1alpha1.EphemeralRunnerStatus{Failures: 3, PodFailures: []v1alpha1.PodFailure{
				{PodName: "p1", FailedAt: metav1.NewTime(last.Add(-time.Minute))},
				{PodName: "p3", FailedAt: metav1.NewTime(last)},
			}},
			base: DefaultBackoffBase,
			want: last.Add(10 * time.Second),
		},
		"AfterThirdFailureShortened": {
			reason: "A shorter base shortens the wait in proportion.",
			status: v1alpha1.EphemeralRunnerStatus{Failures: 3, PodFailures: []v1alpha1.PodFailure{{PodName: "p3", FailedAt: metav1.NewTime(last)}}},
			base:   100 * time.Millisecond,
			want:   last.Add(200 * time.Millisecond),
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, nextPodAt(&tc.status, tc.base)); diff != "" {
				t.Errorf("%s\nnextPodAt: -want +got:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestRunnerPodExit(t *testing.T) {
	terminated := func(code int32) corev1.ContainerStatus {
		return corev1.ContainerStatus{Name: "runner", State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: code, Reason: "Error"}}}
	}
	cases := map[string]struct {
		reason string
		status corev1.PodStatus
		want   podExit
	}{
		"Running": {
			reason: "a running pod has not ended",
			status: corev1.PodStatus{Phase: corev1.PodRunning},
			want:   podExit{},
		},
		"Succeeded": {
			reason: "exit 0 is success",
			status: corev1.PodStatus{Phase: corev1.PodSucceeded, ContainerStatuses: []corev1.ContainerStatus{terminated(0)}},
			want:   podExit{done: true, exitCode: ptr.To[int32](0), reason: "Error"},
		},
		"FailedWithCode": {
			reason: "the runner container's exit code is kept",
			status: corev1.PodStatus{Phase: corev1.PodFailed, ContainerStatuses: []corev1.ContainerStatus{terminated(137)}},
			want:   podExit{done: true, exitCode: ptr.To[int32](137), reason: "Error"},
		},
		"Evicted": {
			reason: "a pod that failed without its container ending has the pod's reason",
			status: corev1.PodStatus{Phase: corev1.PodFailed, Reason: "Evicted", Message: "node pressure"},
			want:   podExit{done: true, reason: "Evicted", message: "node pressure"},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got := runnerPodExit(&corev1.Pod{Status: tc.status})
			if diff := cmp.Diff(tc.want, got, cmp.AllowUnexported(podExit{})); diff != "" {
				t.Errorf("%s\nrunnerPodExit: -want +got:\n%s", tc.reason, diff)
			}
		})
	}
}
