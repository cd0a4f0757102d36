package ephemeralrunnerset

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/arc-crossplane/provider-github-arc/apis/runners/v1alpha1"
	arcruntime "github.com/arc-crossplane/provider-github-arc/internal/controller/runtime"
)

type runnerOpt func(*v1alpha1.EphemeralRunner)

func runner(name string, phase v1alpha1.EphemeralRunnerPhase, opts ...runnerOpt) v1alpha1.EphemeralRunner {
	r := v1alpha1.EphemeralRunner{ObjectMeta: metav1.ObjectMeta{Name: name}, Status: v1alpha1.EphemeralRunnerStatus{Phase: phase, RunnerID: 1}}
	for _, o := range opts {
		o(&r)
	}
	return r
}

func patchID(id string) runnerOpt {
	return func(r *v1alpha1.EphemeralRunner) { r.Annotations = map[string]string{arcruntime.AnnotationPatchID: id} }
}
func created(minute int) runnerOpt {
	return func(r *v1alpha1.EphemeralRunner) {
		r.CreationTimestamp = metav1.NewTime(time.Date(2026, 1, 1, 0, minute, 0, 0, time.UTC))
	}
}
func busy() runnerOpt         { return func(r *v1alpha1.EphemeralRunner) { r.Status.JobRequestID = 7 } }
func unregistered() runnerOpt { return func(r *v1alpha1.EphemeralRunner) { r.Status.RunnerID = 0 } }
func uid(u string) runnerOpt  { return func(r *v1alpha1.EphemeralRunner) { r.UID = types.UID(u) } }

// saidBusy records the service's JobStillRunning answer for the runner, as
// removeFromServiceAndDelete does (under a uid no other test uses).
func saidBusy() runnerOpt {
	return func(r *v1alpha1.EphemeralRunner) { arcruntime.RunnerBusy(r) }
}
func beingDeleted() runnerOpt {
	return func(r *v1alpha1.EphemeralRunner) { now := metav1.Now(); r.DeletionTimestamp = &now }
}

func TestPlanScale(t *testing.T) {
	cases := map[string]struct {
		reason   string
		replicas int32
		patchID  int64
		runners  []v1alpha1.EphemeralRunner
		want     scalePlan
	}{
		"ScaleUpFromZero": {
			reason:   "a new patch with more replicas creates the missing runners",
			replicas: 3, patchID: 1,
			want: scalePlan{create: 3, actOnPatch: true},
		},
		"ExitedUnderCurrentPatchNotRecreated": {
			reason:   "runners created under the current patch that exited are not replaced",
			replicas: 3, patchID: 4,
			runners: []v1alpha1.EphemeralRunner{runner("a", v1alpha1.EphemeralRunnerRunning, patchID("4"))},
			want:    scalePlan{},
		},
		"PatchAnsweredByRemovalsOnly": {
			reason:   "a patch no runner was created under is acted on again: its replicas are still wanted",
			replicas: 3, patchID: 4,
			runners: []v1alpha1.EphemeralRunner{runner("a", v1alpha1.EphemeralRunnerRunning, patchID("3"))},
			want:    scalePlan{create: 2, actOnPatch: true},
		},
		"FailedReplacedUnderCurrentPatch": {
			reason:   "failed runners never ran a job: they are replaced even under the current patch",
			replicas: 2, patchID: 4,
			runners: []v1alpha1.EphemeralRunner{
				runner("a", v1alpha1.EphemeralRunnerRunning, patchID("4")),
				runner("b", v1alpha1.EphemeralRunnerFailed, patchID("4")),
			},
			want: scalePlan{create: 1},
		},
		"FailedNotReplacedBeyondReplicas": {
			reason:   "a failed runner is not replaced when the others fill replicas",
			replicas: 1, patchID: 4,
			runners: []v1alpha1.EphemeralRunner{
				runner("a", v1alpha1.EphemeralRunnerRunning, patchID("4")),
				runner("b", v1alpha1.EphemeralRunnerFailed, patchID("4")),
			},
			want: scalePlan{},
		},
		"PatchZeroFullReconcile": {
			reason:   "patchID 0 scales to replicas whatever was observed",
			replicas: 1, patchID: 0,
			runners: []v1alpha1.EphemeralRunner{
				runner("a", v1alpha1.EphemeralRunnerRunning, patchID("0")),
				runner("b", v1alpha1.EphemeralRunnerPending, patchID("0")),
				runner("c", v1alpha1.EphemeralRunnerRunning, patchID("0")),
			},
			want: scalePlan{removeIdle: 2, actOnPatch: true},
		},
		"NewPatchScalesDown": {
			reason:   "a newer patch with fewer replicas removes the surplus",
			replicas: 0, patchID: 5,
			runners: []v1alpha1.EphemeralRunner{runner("a", v1alpha1.EphemeralRunnerRunning, patchID("4"))},
			want:    scalePlan{removeIdle: 1, actOnPatch: true},
		},
		"DeletingHoldsNoSlot": {
			reason:   "runners being deleted are not counted",
			replicas: 2, patchID: 2,
			runners: []v1alpha1.EphemeralRunner{runner("a", v1alpha1.EphemeralRunnerRunning, patchID("1"), beingDeleted())},
			want:    scalePlan{create: 2, actOnPatch: true},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got := planScale(tc.replicas, tc.patchID, newRunnerState(tc.runners))
			if diff := cmp.Diff(tc.want, got, cmp.AllowUnexported(scalePlan{})); diff != "" {
				t.Errorf("%s\nplanScale(...): -want +got:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestIdleCandidates(t *testing.T) {
	cases := map[string]struct {
		reason  string
		runners []v1alpha1.EphemeralRunner
		want    []string
	}{
		"PendingBeforeRunningNewestFirst": {
			reason: "starting runners go before running ones, the newest first within each",
			runners: []v1alpha1.EphemeralRunner{
				runner("run-old", v1alpha1.EphemeralRunnerRunning, created(1)),
				runner("run-new", v1alpha1.EphemeralRunnerRunning, created(5)),
				runner("pend-old", v1alpha1.EphemeralRunnerPending, created(2)),
				runner("pend-new", v1alpha1.EphemeralRunnerPending, created(6)),
			},
			want: []string{"pend-new", "pend-old", "run-new", "run-old"},
		},
		"BusyAndUnregisteredSkipped": {
			reason: "a runner with a job, an unregistered one, a failed one and a deleting one are never candidates",
			runners: []v1alpha1.EphemeralRunner{
				runner("busy", v1alpha1.EphemeralRunnerRunning, busy()),
				runner("new", v1alpha1.EphemeralRunnerPending, unregistered()),
				runner("failed", v1alpha1.EphemeralRunnerFailed),
				runner("going", v1alpha1.EphemeralRunnerRunning, beingDeleted()),
				runner("idle", v1alpha1.EphemeralRunnerRunning),
			},
			want: []string{"idle"},
		},
		"SaidBusyByTheService": {
			reason: "a runner the service said runs a job is not asked about again, though its job is not recorded yet",
			runners: []v1alpha1.EphemeralRunner{
				runner("said-busy", v1alpha1.EphemeralRunnerRunning, uid("uid-said-busy"), saidBusy()),
				runner("idle", v1alpha1.EphemeralRunnerRunning, uid("uid-idle")),
			},
			want: []string{"idle"},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			var got []string
			for _, r := range idleCandidates(newRunnerState(tc.runners)) {
				got = append(got, r.Name)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("%s\nidleCandidates(...): -want +got:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestCounts(t *testing.T) {
	s := newRunnerState([]v1alpha1.EphemeralRunner{
		runner("a", ""), runner("b", v1alpha1.EphemeralRunnerPending), runner("c", v1alpha1.EphemeralRunnerRunning),
		runner("d", v1alpha1.EphemeralRunnerFailed), runner("e", v1alpha1.EphemeralRunnerSucceeded),
		runner("f", v1alpha1.EphemeralRunnerRunning, beingDeleted()),
	})
	want := counts{current: 5, pending: 2, running: 1, failed: 1}
	if diff := cmp.Diff(want, s.counts(), cmp.AllowUnexported(counts{})); diff != "" {
		t.Errorf("counts: -want +got:\n%s", diff)
	}
}
