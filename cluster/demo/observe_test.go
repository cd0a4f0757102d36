package demo

import (
	"math"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/cache"

	"github.com/arc-crossplane/provider-github-arc/internal/simulator/simclient"
)

// The recorder marks which of a pod's times it has seen: its creation, its
// end (first seen Succeeded or Failed) and its deletion; a pod recreated
// under the name after its deletion starts a new end.
func TestPodRecorderTimes(t *testing.T) {
	pod := func(phase corev1.PodPhase) *corev1.Pod {
		return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "team", Name: "runner"}, Status: corev1.PodStatus{Phase: phase}}
	}
	type event struct {
		obj     any
		deleted bool
	}
	type seen struct {
		Created, Ended, Gone bool
		Phase                corev1.PodPhase
	}
	cases := map[string]struct {
		reason string
		events []event
		want   seen
	}{
		"Running": {
			reason: "A running pod has not ended.",
			events: []event{{obj: pod(corev1.PodPending)}, {obj: pod(corev1.PodRunning)}},
			want:   seen{Created: true, Phase: corev1.PodRunning},
		},
		"Ended": {
			reason: "A pod seen Succeeded has ended, and stays ended when seen again.",
			events: []event{{obj: pod(corev1.PodRunning)}, {obj: pod(corev1.PodSucceeded)}, {obj: pod(corev1.PodSucceeded)}},
			want:   seen{Created: true, Ended: true, Phase: corev1.PodSucceeded},
		},
		"Gone": {
			reason: "A deletion seen late (its final state unknown) still counts.",
			events: []event{{obj: pod(corev1.PodRunning)}, {obj: pod(corev1.PodFailed)}, {obj: cache.DeletedFinalStateUnknown{Obj: pod(corev1.PodFailed)}}},
			want:   seen{Created: true, Ended: true, Gone: true, Phase: corev1.PodFailed},
		},
		"Recreated": {
			reason: "The successor of a failed pod has not ended, though its name's first pod did.",
			events: []event{{obj: pod(corev1.PodFailed)}, {obj: pod(corev1.PodFailed), deleted: true}, {obj: pod(corev1.PodPending)}},
			want:   seen{Created: true, Phase: corev1.PodPending},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			r := &PodRecorder{pods: map[string]*PodLife{}}
			for _, e := range tc.events {
				r.seen(e.obj, e.deleted)
			}
			l, ok := r.Life("team", "runner")
			if !ok {
				t.Fatalf("%s\nno life recorded", tc.reason)
			}
			got := seen{Created: !l.Created.IsZero(), Ended: !l.Ended.IsZero(), Gone: !l.Gone.IsZero(), Phase: l.Phase}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("%s\n-want +got:\n%s", tc.reason, diff)
			}
		})
	}
}

// A job's wait for its pod's deletion is split at the pod's end; a pod whose
// end was not seen counts in the whole wait only.
func TestSummarizeCompletionLegs(t *testing.T) {
	t0 := time.Date(2026, 12, 5, 12, 0, 0, 0, time.UTC)
	at := func(s float64) time.Time { return t0.Add(time.Duration(s * float64(time.Second))) }
	ptr := func(tm time.Time) *time.Time { return &tm }
	stream := &Stream{team: map[int64]string{1: "team", 2: "team"}}
	rec := &PodRecorder{pods: map[string]*PodLife{
		"team/r1": {Namespace: "team", Name: "r1", Created: at(1), Ended: at(10.3), Gone: at(10.7)},
		"team/r2": {Namespace: "team", Name: "r2", Created: at(1), Gone: at(11)},
	}}
	jobs := []simclient.Job{
		{ID: 1, RunnerName: "r1", State: simclient.JobCompleted, QueuedAt: at(0), CompletedAt: ptr(at(10))},
		{ID: 2, RunnerName: "r2", State: simclient.JobCompleted, QueuedAt: at(0), CompletedAt: ptr(at(10))},
	}
	s := Summarize(jobs, stream, rec, simclient.Counters{})
	type legs struct{ Whole, ToEnded, EndedToGone []float64 }
	round := func(p Percentiles) []float64 {
		return []float64{float64(p.N), math.Round(p.P50*100) / 100, math.Round(p.Max*100) / 100}
	}
	want := legs{Whole: []float64{2, 0.7, 1}, ToEnded: []float64{1, 0.3, 0.3}, EndedToGone: []float64{1, 0.4, 0.4}}
	got := legs{Whole: round(s.CompletedToPodGone), ToEnded: round(s.CompletedToPodEnded), EndedToGone: round(s.PodEndedToGone)}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("completion legs (n, p50, max), -want +got:\n%s", diff)
	}
}
