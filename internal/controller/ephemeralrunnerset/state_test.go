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

// readyAt marks the runner's pod ready since the minute.
func readyAt(minute int) runnerOpt {
	return func(r *v1alpha1.EphemeralRunner) {
		r.Status.SetCondition(metav1.Condition{Type: v1alpha1.ConditionTypeReady, Status: metav1.ConditionTrue, Reason: "PodRunning",
			LastTransitionTime: metav1.NewTime(time.Date(2026, 1, 1, 0, minute, 0, 0, time.UTC))})
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

// podsOf tells the runners' pods by name; a runner not named has a pod that
// runs.
func podsOf(states map[string]podState) func(string) podState {
	return func(name string) podState {
		if st, ok := states[name]; ok {
			return st
		}
		return podRunning
	}
}

// exitedRunners tells that the pods of the named runners ended well.
func exitedRunners(names ...string) func(string) podState {
	states := map[string]podState{}
	for _, n := range names {
		states[n] = podExited
	}
	return podsOf(states)
}

func TestPlanScale(t *testing.T) {
	cases := map[string]struct {
		reason      string
		replicas    int32
		runningJobs int32
		patchID     int64
		runners     []v1alpha1.EphemeralRunner
		pods        func(string) podState
		unseen      unseen
		want        scalePlan
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
		"UnseenCreatesHoldSlots": {
			reason:   "runners created under an earlier patch that the cache does not list yet count as pending: only the rest are created",
			replicas: 10, patchID: 5,
			runners: []v1alpha1.EphemeralRunner{runner("a", v1alpha1.EphemeralRunnerRunning, patchID("3"))},
			unseen:  unseen{creates: 6, latestPatchID: 4},
			want:    scalePlan{create: 3, actOnPatch: true},
		},
		"UnseenCreatesAnswerPatch": {
			reason:   "runners created under the current patch answer it even before the cache lists them: their exits are not replaced",
			replicas: 10, patchID: 5,
			runners: []v1alpha1.EphemeralRunner{runner("a", v1alpha1.EphemeralRunnerRunning, patchID("3"))},
			unseen:  unseen{creates: 2, latestPatchID: 5},
			want:    scalePlan{},
		},
		"UnseenCreatesNotRemoved": {
			reason:   "a lower patch counts the unseen creates too, and scales down by the surplus",
			replicas: 2, patchID: 6,
			runners: []v1alpha1.EphemeralRunner{runner("a", v1alpha1.EphemeralRunnerRunning, patchID("5"))},
			unseen:  unseen{creates: 3, latestPatchID: 5},
			want:    scalePlan{removeIdle: 2, actOnPatch: true},
		},
		"JobsEndedSinceStatisticsNotReplaced": {
			reason:   "runners whose jobs the statistics still count running have exited: their slots wait for the listener's next replicas instead of new runners",
			replicas: 3, runningJobs: 3, patchID: 4,
			runners: []v1alpha1.EphemeralRunner{
				runner("a", v1alpha1.EphemeralRunnerRunning, patchID("3")),
				runner("b", v1alpha1.EphemeralRunnerRunning, patchID("3")),
				runner("c", v1alpha1.EphemeralRunnerRunning, patchID("3")),
			},
			pods: exitedRunners("b", "c"),
			want: scalePlan{actOnPatch: true},
		},
		"JobsEndedSinceStatisticsAndNewJobs": {
			reason:   "jobs waiting for a runner still get theirs while the slots of jobs ended since the statistics are kept",
			replicas: 5, runningJobs: 3, patchID: 4,
			runners: []v1alpha1.EphemeralRunner{
				runner("a", v1alpha1.EphemeralRunnerRunning, patchID("3")),
				runner("b", v1alpha1.EphemeralRunnerRunning, patchID("3")),
				runner("c", v1alpha1.EphemeralRunnerRunning, patchID("3")),
			},
			pods: exitedRunners("c"),
			want: scalePlan{create: 2, actOnPatch: true},
		},
		"ExitsTheStatisticsCountedAreReplaced": {
			reason:   "runners that exited after jobs the statistics no longer count are replaced at once: their slots belong to waiting jobs",
			replicas: 3, runningJobs: 1, patchID: 4,
			runners: []v1alpha1.EphemeralRunner{
				runner("a", v1alpha1.EphemeralRunnerRunning, patchID("3")),
				runner("b", v1alpha1.EphemeralRunnerRunning, patchID("3")),
				runner("c", v1alpha1.EphemeralRunnerRunning, patchID("3")),
			},
			pods: exitedRunners("b", "c"),
			want: scalePlan{create: 2, actOnPatch: true},
		},
		"StartingRunnersHideNoEndedJob": {
			reason:   "runners whose pods have not started run no job: the jobs ended since the statistics keep their slots while the last jobs wait for those runners",
			replicas: 5, runningJobs: 3, patchID: 4,
			runners: []v1alpha1.EphemeralRunner{
				runner("a", v1alpha1.EphemeralRunnerRunning, patchID("3")),
				runner("b", v1alpha1.EphemeralRunnerPending, patchID("3")),
				runner("c", v1alpha1.EphemeralRunnerPending, patchID("3")),
				runner("d", v1alpha1.EphemeralRunnerRunning, patchID("3")),
				runner("e", v1alpha1.EphemeralRunnerRunning, patchID("3")),
			},
			pods: podsOf(map[string]podState{"b": podStarting, "c": podStarting, "d": podExited, "e": podExited}),
			want: scalePlan{actOnPatch: true},
		},
		"IdleRunnersKeepNoEndedSlot": {
			reason:   "an idle runner (its pod runs, no job) could be the one whose job ended: the set keeps fewer slots, never more than jobs ended",
			replicas: 4, runningJobs: 3, patchID: 4,
			runners: []v1alpha1.EphemeralRunner{
				runner("a", v1alpha1.EphemeralRunnerRunning, patchID("3")),
				runner("b", v1alpha1.EphemeralRunnerRunning, patchID("3")),
				runner("c", v1alpha1.EphemeralRunnerPending, patchID("3")),
				runner("d", v1alpha1.EphemeralRunnerRunning, patchID("3")),
			},
			pods: exitedRunners("d"),
			want: scalePlan{create: 1, actOnPatch: true},
		},
		"FailedReplacedBesideEndedSlots": {
			reason:   "a failed runner is still replaced under the current patch when slots are kept for jobs ended since the statistics",
			replicas: 3, runningJobs: 2, patchID: 4,
			runners: []v1alpha1.EphemeralRunner{
				runner("a", v1alpha1.EphemeralRunnerRunning, patchID("4")),
				runner("b", v1alpha1.EphemeralRunnerRunning, patchID("4")),
				runner("c", v1alpha1.EphemeralRunnerFailed, patchID("4")),
			},
			pods: exitedRunners("b"),
			want: scalePlan{create: 1},
		},
		"UnseenDeleteHoldsNoSlot": {
			reason:   "a runner this controller deleted that the cache still lists as live holds no slot: it is replaced, not removed again",
			replicas: 2, patchID: 2,
			runners: []v1alpha1.EphemeralRunner{
				runner("a", v1alpha1.EphemeralRunnerRunning, patchID("1")),
				runner("b", v1alpha1.EphemeralRunnerRunning, patchID("1")),
			},
			unseen: unseen{deleted: map[string]bool{"b": true}},
			want:   scalePlan{create: 1, actOnPatch: true},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			pods := tc.pods
			if pods == nil {
				pods = podsOf(nil)
			}
			got := planScale(tc.replicas, tc.runningJobs, tc.patchID, newRunnerState(tc.runners, pods, tc.unseen))
			if diff := cmp.Diff(tc.want, got, cmp.AllowUnexported(scalePlan{})); diff != "" {
				t.Errorf("%s\nplanScale(...): -want +got:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestIdleCandidates(t *testing.T) {
	at := func(minute int) time.Time { return time.Date(2026, 1, 1, 0, minute, 0, 0, time.UTC) }
	// Unless a case says otherwise every ready runner has been ready long enough.
	allSettled := at(59)
	type args struct {
		runners       []v1alpha1.EphemeralRunner
		settledBefore time.Time
		fullReconcile bool
	}
	type want struct {
		names   []string
		settles time.Time
	}
	cases := map[string]struct {
		reason string
		args   args
		want   want
	}{
		"ReadyRunnersNewestFirst": {
			reason: "idle ready runners are candidates, the newest first; starting ones are needed by waiting jobs",
			args: args{settledBefore: allSettled, runners: []v1alpha1.EphemeralRunner{
				runner("run-old", v1alpha1.EphemeralRunnerRunning, created(1), readyAt(2)),
				runner("run-new", v1alpha1.EphemeralRunnerRunning, created(5), readyAt(6)),
				runner("pend", v1alpha1.EphemeralRunnerPending, created(6)),
			}},
			want: want{names: []string{"run-new", "run-old"}},
		},
		"FullReconcileTakesStartingRunnersToo": {
			reason: "with no job assigned, starting runners go first, then running ones, whatever their age",
			args: args{settledBefore: at(0), fullReconcile: true, runners: []v1alpha1.EphemeralRunner{
				runner("run-old", v1alpha1.EphemeralRunnerRunning, created(1), readyAt(2)),
				runner("run-new", v1alpha1.EphemeralRunnerRunning, created(5), readyAt(6)),
				runner("pend-old", v1alpha1.EphemeralRunnerPending, created(2)),
				runner("pend-new", v1alpha1.EphemeralRunnerPending, created(6)),
			}},
			want: want{names: []string{"pend-new", "pend-old", "run-new", "run-old"}},
		},
		"BusyAndUnregisteredSkipped": {
			reason: "a runner with a job, an unregistered one, a failed one and a deleting one are never candidates",
			args: args{settledBefore: allSettled, fullReconcile: true, runners: []v1alpha1.EphemeralRunner{
				runner("busy", v1alpha1.EphemeralRunnerRunning, busy(), readyAt(1)),
				runner("new", v1alpha1.EphemeralRunnerPending, unregistered()),
				runner("failed", v1alpha1.EphemeralRunnerFailed),
				runner("going", v1alpha1.EphemeralRunnerRunning, beingDeleted(), readyAt(1)),
				runner("idle", v1alpha1.EphemeralRunnerRunning, readyAt(1)),
			}},
			want: want{names: []string{"idle"}},
		},
		"SaidBusyByTheService": {
			reason: "a runner the service said runs a job is not asked about again, though its job is not recorded yet",
			args: args{settledBefore: allSettled, runners: []v1alpha1.EphemeralRunner{
				runner("said-busy", v1alpha1.EphemeralRunnerRunning, uid("uid-said-busy"), saidBusy(), readyAt(1)),
				runner("idle", v1alpha1.EphemeralRunnerRunning, uid("uid-idle"), readyAt(1)),
			}},
			want: want{names: []string{"idle"}},
		},
		"RecentlyReadyWait": {
			reason: "runners ready after settledBefore are kept; settles is when the first of them became ready",
			args: args{settledBefore: at(3), runners: []v1alpha1.EphemeralRunner{
				runner("old", v1alpha1.EphemeralRunnerRunning, created(0), readyAt(1)),
				runner("at-the-mark", v1alpha1.EphemeralRunnerRunning, created(1), readyAt(3)),
				runner("young", v1alpha1.EphemeralRunnerRunning, created(2), readyAt(5)),
				runner("younger", v1alpha1.EphemeralRunnerRunning, created(3), readyAt(4)),
				runner("not-ready", v1alpha1.EphemeralRunnerRunning, created(0)),
			}},
			want: want{names: []string{"at-the-mark", "old"}, settles: at(4)},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			candidates, settles := idleCandidates(newRunnerState(tc.args.runners, podsOf(nil), unseen{}), tc.args.settledBefore, tc.args.fullReconcile)
			got := want{settles: settles}
			for _, r := range candidates {
				got.names = append(got.names, r.Name)
			}
			if diff := cmp.Diff(tc.want, got, cmp.AllowUnexported(want{})); diff != "" {
				t.Errorf("%s\nidleCandidates(...): -want +got:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestCounts(t *testing.T) {
	pods := podsOf(map[string]podState{"a": podStarting, "g": podExited, "h": podExited})
	s := newRunnerState([]v1alpha1.EphemeralRunner{
		runner("a", ""), runner("b", v1alpha1.EphemeralRunnerPending), runner("c", v1alpha1.EphemeralRunnerRunning),
		runner("d", v1alpha1.EphemeralRunnerFailed), runner("e", v1alpha1.EphemeralRunnerSucceeded),
		runner("f", v1alpha1.EphemeralRunnerRunning, beingDeleted()),
		// Their pods exited; their runner controller has not caught up yet.
		runner("g", v1alpha1.EphemeralRunnerRunning, busy()), runner("h", v1alpha1.EphemeralRunnerPending),
		// Deleted by the set; the cache does not show it yet.
		runner("i", v1alpha1.EphemeralRunnerRunning),
	}, pods, unseen{creates: 2, deleted: map[string]bool{"i": true}})
	want := counts{current: 9, pending: 4, running: 1, failed: 1}
	if diff := cmp.Diff(want, s.counts(), cmp.AllowUnexported(counts{})); diff != "" {
		t.Errorf("counts: -want +got:\n%s", diff)
	}
	if got := s.active(); got != 5 {
		t.Errorf("active: %d runners hold a slot, want 5 (a, b, c and the two unseen): an exited or deleted runner holds none", got)
	}
	if s.podsRunning != 2 {
		t.Errorf("podsRunning: %d, want 2 (b and c): a's pod has not started, the unseen have none, the others hold no slot", s.podsRunning)
	}
}
