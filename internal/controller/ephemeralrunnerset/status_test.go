package ephemeralrunnerset

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/crossplane/crossplane-runtime/v2/pkg/logging"
	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	kruntime "k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"

	"github.com/arc-crossplane/provider-github-arc/apis/runners/v1alpha1"
)

func TestRoutine(t *testing.T) {
	ready := func(status metav1.ConditionStatus, reason, msg string) []metav1.Condition {
		return []metav1.Condition{{Type: v1alpha1.ConditionTypeReady, Status: status, Reason: reason, Message: msg}}
	}
	cur := v1alpha1.EphemeralRunnerSetStatus{ObservedGeneration: 2, ObservedPatchID: 7, CurrentReplicas: 3, PendingEphemeralRunners: 1, RunningEphemeralRunners: 2,
		Conditions: ready(metav1.ConditionTrue, ReasonScaled, "3 of 3 runners: 1 pending, 2 running")}
	cases := map[string]struct {
		reason string
		// was changes cur before; next changes it after.
		was, next func(s *v1alpha1.EphemeralRunnerSetStatus)
		// listenerOnly says the spec beyond replicas and patchID is the one
		// the last write observed.
		listenerOnly bool
		want         bool
	}{
		"CountsAndMessage": {
			reason: "a runner that started running changes the counts and the message only",
			next: func(s *v1alpha1.EphemeralRunnerSetStatus) {
				s.PendingEphemeralRunners, s.RunningEphemeralRunners = 0, 3
				s.Conditions = ready(metav1.ConditionTrue, ReasonScaled, "3 of 3 runners: 0 pending, 3 running")
			},
			want: true,
		},
		"PatchAnswered": {
			reason: "the listener patches a busy set every few seconds: an answered patch is routine",
			next:   func(s *v1alpha1.EphemeralRunnerSetStatus) { s.ObservedPatchID = 8 },
			want:   true,
		},
		"Scaling": {
			reason: "a set that scales to a new target is routine",
			next: func(s *v1alpha1.EphemeralRunnerSetStatus) {
				s.Conditions = ready(metav1.ConditionFalse, ReasonScaling, "3 of 5 runners: 1 pending, 2 running")
			},
			want: true,
		},
		"GenerationObserved": {
			reason: "a new generation of the runner template observed is written at once",
			next:   func(s *v1alpha1.EphemeralRunnerSetStatus) { s.ObservedGeneration = 3 },
		},
		"ListenerGenerationObserved": {
			reason:       "a new generation made by the listener's patch alone is routine",
			next:         func(s *v1alpha1.EphemeralRunnerSetStatus) { s.ObservedGeneration, s.ObservedPatchID = 3, 8 },
			listenerOnly: true,
			want:         true,
		},
		"ListenerGenerationAndFailure": {
			reason: "a failure shown is written at once, whoever made the generation",
			next: func(s *v1alpha1.EphemeralRunnerSetStatus) {
				s.ObservedGeneration = 3
				s.Conditions = ready(metav1.ConditionFalse, ReasonScaleFailed, "cannot create EphemeralRunners")
			},
			listenerOnly: true,
		},
		"ScaleFailed": {
			reason: "a scale that fails is written at once",
			next: func(s *v1alpha1.EphemeralRunnerSetStatus) {
				s.Conditions = ready(metav1.ConditionFalse, ReasonScaleFailed, "cannot create EphemeralRunners")
			},
		},
		"Recovered": {
			reason: "a set that scales again after a failure is written at once",
			was: func(s *v1alpha1.EphemeralRunnerSetStatus) {
				s.Conditions = ready(metav1.ConditionFalse, ReasonScaleFailed, "cannot create EphemeralRunners")
			},
			next: func(*v1alpha1.EphemeralRunnerSetStatus) {},
		},
		"FirstCondition": {
			reason: "a status without its Ready condition yet gets it at once",
			was:    func(s *v1alpha1.EphemeralRunnerSetStatus) { s.Conditions = nil },
			next:   func(*v1alpha1.EphemeralRunnerSetStatus) {},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			from := cur.DeepCopy()
			if tc.was != nil {
				tc.was(from)
			}
			next := cur.DeepCopy()
			tc.next(next)
			if got := routine(from, next, tc.listenerOnly); got != tc.want {
				t.Errorf("%s\nroutine: got %t, want %t", tc.reason, got, tc.want)
			}
		})
	}
}

func TestStatusWritesWait(t *testing.T) {
	t0 := time.Date(2026, 12, 5, 1, 0, 0, 0, time.UTC)
	w := newStatusWrites()
	got := []time.Duration{w.wait("a", t0)}
	w.wrote("a", t0, "spec")
	got = append(got, w.wait("a", t0.Add(300*time.Millisecond)), w.wait("a", t0.Add(routineInterval)), w.wait("b", t0))
	w.forget("a")
	got = append(got, w.wait("a", t0.Add(300*time.Millisecond)))
	want := []time.Duration{0, routineInterval - 300*time.Millisecond, 0, 0, 0}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("waits: never written, 300 ms after a write, an interval after, another set, forgotten: -want +got:\n%s", diff)
	}
}

// A routine change within a second of the last write waits for it to pass; a
// failure, and the recovery from it, are written at once.
func TestRoutineChangesWaitForTheInterval(t *testing.T) {
	s := kruntime.NewScheme()
	if err := v1alpha1.AddToScheme(s); err != nil {
		t.Fatal(err)
	}
	set := &v1alpha1.EphemeralRunnerSet{ObjectMeta: metav1.ObjectMeta{Name: "linux", Namespace: "ns", UID: "set-uid"},
		Spec: v1alpha1.EphemeralRunnerSetSpec{Replicas: 2, PatchID: 1}}
	var writes int
	kube := fake.NewClientBuilder().WithScheme(s).WithObjects(set).WithStatusSubresource(set).WithInterceptorFuncs(interceptor.Funcs{
		SubResourcePatch: func(ctx context.Context, c client.Client, sub string, obj client.Object, patch client.Patch, opts ...client.SubResourcePatchOption) error {
			writes++
			return c.SubResource(sub).Patch(ctx, obj, patch, opts...)
		},
	}).Build()
	t0 := time.Date(2026, 12, 5, 1, 0, 0, 0, time.UTC)
	now := t0
	r := &Reconciler{kube: kube, log: logging.NewNopLogger(), expect: newExpectations(), statuses: newStatusWrites(), now: func() time.Time { return now }}
	cur := &v1alpha1.EphemeralRunnerSet{}
	if err := kube.Get(t.Context(), client.ObjectKeyFromObject(set), cur); err != nil {
		t.Fatal(err)
	}
	oneRunning := newRunnerState([]v1alpha1.EphemeralRunner{runner("a", v1alpha1.EphemeralRunnerPending), runner("b", v1alpha1.EphemeralRunnerRunning)}, podsOf(nil), unseen{})
	twoRunning := newRunnerState([]v1alpha1.EphemeralRunner{runner("a", v1alpha1.EphemeralRunnerRunning), runner("b", v1alpha1.EphemeralRunnerRunning)}, podsOf(nil), unseen{})

	type step struct {
		at    time.Duration
		state runnerState
		plan  scalePlan
		// patchID, when set, is the set's new spec.patchID; image, the
		// runner template's new image. newGeneration says the API server
		// counted a new generation for the change.
		patchID       int64
		image         string
		newGeneration bool
		err           error
	}
	steps := []step{
		{at: 0, state: oneRunning, plan: scalePlan{actOnPatch: true}},
		{at: 300 * time.Millisecond, state: twoRunning},
		{at: 400 * time.Millisecond, state: twoRunning, plan: scalePlan{actOnPatch: true}, patchID: 2},
		{at: 600 * time.Millisecond, state: oneRunning, err: errors.New("cannot create EphemeralRunners")},
		{at: 900 * time.Millisecond, state: twoRunning},
		{at: 1600 * time.Millisecond, state: twoRunning, plan: scalePlan{actOnPatch: true}},
		{at: 1900 * time.Millisecond, state: twoRunning, plan: scalePlan{actOnPatch: true}},
		{at: 2000 * time.Millisecond, state: oneRunning, plan: scalePlan{actOnPatch: true}, patchID: 3, newGeneration: true},
		{at: 2100 * time.Millisecond, state: oneRunning, plan: scalePlan{actOnPatch: true}, image: "runner:2", newGeneration: true},
	}
	var got []string
	for _, st := range steps {
		now = t0.Add(st.at)
		if st.patchID != 0 || st.image != "" {
			if st.patchID != 0 {
				cur.Spec.PatchID = st.patchID
			}
			if st.image != "" {
				cur.Spec.Template.Spec.Containers = []corev1.Container{{Name: "runner", Image: st.image}}
			}
			if err := kube.Update(t.Context(), cur); err != nil {
				t.Fatal(err)
			}
		}
		if st.newGeneration {
			cur.Generation++
		}
		before := writes
		wait, err := r.updateStatus(t.Context(), cur, st.state, st.plan, st.err)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, fmt.Sprintf("%s: writes %d, wait %s, running %d, observed patch %d, generation %d", st.at, writes-before, wait, cur.Status.RunningEphemeralRunners, cur.Status.ObservedPatchID, cur.Status.ObservedGeneration))
	}
	want := []string{
		"0s: writes 1, wait 0s, running 1, observed patch 1, generation 0",
		"300ms: writes 0, wait 700ms, running 1, observed patch 1, generation 0",
		"400ms: writes 0, wait 600ms, running 1, observed patch 1, generation 0",
		"600ms: writes 1, wait 0s, running 1, observed patch 1, generation 0",
		"900ms: writes 1, wait 0s, running 2, observed patch 1, generation 0",
		"1.6s: writes 0, wait 300ms, running 2, observed patch 1, generation 0",
		"1.9s: writes 1, wait 0s, running 2, observed patch 2, generation 0",
		// The listener's patch is a new generation, and routine.
		"2s: writes 0, wait 900ms, running 2, observed patch 2, generation 0",
		// A new runner template is written at once.
		"2.1s: writes 1, wait 0s, running 1, observed patch 3, generation 2",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("status writes: -want +got:\n%s", diff)
	}
}
