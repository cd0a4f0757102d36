package ephemeralrunnerset

import (
	"cmp"
	"slices"
	"strconv"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/arc-crossplane/provider-github-arc/apis/runners/v1alpha1"
	arcruntime "github.com/arc-crossplane/provider-github-arc/internal/controller/runtime"
)

// runnerState sorts a set's EphemeralRunners by where they are in their life.
type runnerState struct {
	pending   []*v1alpha1.EphemeralRunner
	running   []*v1alpha1.EphemeralRunner
	failed    []*v1alpha1.EphemeralRunner
	succeeded []*v1alpha1.EphemeralRunner
	deleting  []*v1alpha1.EphemeralRunner
	// exited are runners whose pod says they are done while the runner
	// controller has not yet finished them; they hold no slot.
	exited []*v1alpha1.EphemeralRunner
	// unseenCreates are runners this controller created that its cache
	// does not list yet: they are pending.
	unseenCreates int
	// podsRunning is how many of the pending and running runners have a
	// pod that runs: only they can be running a job.
	podsRunning int

	// latestPatchID is the highest patch id any runner was created under.
	latestPatchID int64
}

// podState is what the cache shows of a runner's pod.
type podState uint8

const (
	// podStarting: no pod, or one that has not run yet (or failed).
	podStarting podState = iota
	// podRunning: the runner may be running a job.
	podRunning
	// podExited: ended well, by the runner controller's rule.
	podExited
)

// newRunnerState categorizes runners, the cache's view, and what the cache
// does not show yet of this controller's own changes (u). A runner being
// deleted counts nowhere else: it holds no slot. Neither does one whose pod
// says it exited (pods tells by the runner's name): in a burst its runner
// controller may take seconds to finish it, and counting it meanwhile left
// jobs without a runner (each patch is answered once, by the runners it sees).
func newRunnerState(runners []v1alpha1.EphemeralRunner, pods func(name string) podState, u unseen) runnerState {
	s := runnerState{unseenCreates: u.creates, latestPatchID: u.latestPatchID}
	for i := range runners {
		r := &runners[i]
		if id, err := strconv.ParseInt(r.Annotations[arcruntime.AnnotationPatchID], 10, 64); err == nil && id > s.latestPatchID {
			s.latestPatchID = id
		}
		if !r.DeletionTimestamp.IsZero() || u.deleted[r.Name] {
			s.deleting = append(s.deleting, r)
			continue
		}
		pod := pods(r.Name)
		switch phase := r.Status.Phase; {
		case (phase == v1alpha1.EphemeralRunnerPending || phase == v1alpha1.EphemeralRunnerRunning) && pod == podExited:
			s.exited = append(s.exited, r)
		case phase == v1alpha1.EphemeralRunnerSucceeded:
			s.succeeded = append(s.succeeded, r)
		case phase == v1alpha1.EphemeralRunnerFailed:
			s.failed = append(s.failed, r)
		case phase == v1alpha1.EphemeralRunnerRunning:
			s.running = append(s.running, r)
			s.countPod(pod)
		default:
			s.pending = append(s.pending, r)
			s.countPod(pod)
		}
	}
	return s
}

func (s *runnerState) countPod(pod podState) {
	if pod == podRunning {
		s.podsRunning++
	}
}

// active is the number of runners that hold a slot: those that are starting
// or running. Failed runners are replaced, so they hold none.
func (s runnerState) active() int { return s.starting() + len(s.running) }

// starting is the number of pending runners, listed or not yet.
func (s runnerState) starting() int { return len(s.pending) + s.unseenCreates }

// total is the number of runners the set still has, in any state.
func (s runnerState) total() int {
	return s.active() + len(s.failed) + len(s.succeeded) + len(s.deleting) + len(s.exited)
}

// counts are what the status shows.
type counts struct {
	current, pending, running, failed int32
}

func (s runnerState) counts() counts {
	return counts{
		current: int32(s.total() - len(s.deleting)), //nolint:gosec // bounded by the number of objects in a namespace.
		pending: int32(s.starting()),                //nolint:gosec // as above.
		running: int32(len(s.running)),              //nolint:gosec // as above.
		failed:  int32(len(s.failed)),               //nolint:gosec // as above.
	}
}

// scalePlan is what one reconcile does to the set's runners.
type scalePlan struct {
	// create is how many EphemeralRunners to create.
	create int
	// removeIdle is how many idle runners to remove.
	removeIdle int
	// actOnPatch is true when the plan answers a new desired state of the
	// listener (or a full reconcile); the set then records spec.patchID as
	// observed.
	actOnPatch bool
}

// planScale applies ARC's patchID rule. The listener raises patchID with
// every change of replicas, and each runner records the patchID it was
// created under. Once a runner exists that was created under the current
// patchID, the set has answered it: a runner that exits now ran its job and
// is not recreated, and only failed runners, which never ran one, are
// replaced. Until then the set scales to replicas, whatever it did before:
// a patch answered only by removals is acted on again, as in ARC. A patchID
// of 0 asks for a full reconcile.
//
// Unlike ARC, runners are not created for the slots of jobs that ended after
// the listener's statistics (endedSince): ARC's rule replaced every runner
// that exited under a patch answered only by removals, and while a set's
// jobs ended its patches lagged the exits by one listener round, so each
// such exit became a runner no job needed (5 to 13 in every 100 jobs of the
// 20 x 50 fan-out). Removals still count only the active runners.
func planScale(replicas, runningJobs int32, patchID int64, s runnerState) scalePlan {
	want := int(replicas)
	active := s.active()
	free := max(0, want-active-s.endedSince(runningJobs))
	answered := patchID != 0 && patchID == s.latestPatchID
	if answered {
		return scalePlan{create: min(len(s.failed), free)}
	}
	return scalePlan{
		create:     free,
		removeIdle: max(0, active-want),
		actOnPatch: true,
	}
}

// endedSince is how many of the runningJobs of the listener's statistics
// ran on runners the set no longer counts: their jobs ended after the
// statistics were taken, and replicas still holds a slot for each. Every
// running job's runner has either exited since or is an active runner whose
// pod runs, so the difference is never more than those jobs: a slot kept for
// one is one that replicas does not need (idle runners only make it
// smaller), and no job waits for it. Runners whose pods have not started
// cannot be running a job; counted, they hid the ended jobs of a set whose
// last jobs still waited for their runners.
func (s runnerState) endedSince(runningJobs int32) int {
	return max(0, int(runningJobs)-s.podsRunning)
}

// isBusy tells whether the listener recorded a job on the runner, or the
// service said it runs one.
func isBusy(r *v1alpha1.EphemeralRunner) bool {
	return r.Status.JobRecorded() || arcruntime.KnownBusy(r)
}

// idleCandidates lists the runners scale-down may remove, newest first:
// registered runners without a recorded job that have run, ready, since
// settledBefore or earlier. A candidate may still turn out busy: the
// service's answer to its removal decides.
//
// Runners still starting are left alone, and so are runners ready for less
// than that: replicas come from statistics that lag the runners (by seconds
// in a burst), so a set that looks too big most often counts runners whose
// jobs just ended, and the starting or just-started runners are the ones
// waiting jobs need. Removed, they would be created again, and their jobs
// would wait for that. A runner with nothing to do for a while is surplus
// for sure. settles is when the first runner passed over for its age gets
// old enough (zero when there is none): the time to look again, with fresher
// counts.
//
// A full reconcile (patchID 0) comes only when no job is assigned: then any
// registered runner without a job is surplus, starting or not.
func idleCandidates(s runnerState, settledBefore time.Time, fullReconcile bool) (candidates []*v1alpha1.EphemeralRunner, settles time.Time) {
	groups := [][]*v1alpha1.EphemeralRunner{s.running}
	if fullReconcile {
		groups = [][]*v1alpha1.EphemeralRunner{s.pending, s.running}
	}
	for _, group := range groups {
		var eligible []*v1alpha1.EphemeralRunner
		for _, r := range group {
			if r.Status.RunnerID == 0 || isBusy(r) {
				continue
			}
			if ready := readySince(r); !fullReconcile && (ready.IsZero() || ready.After(settledBefore)) {
				if !ready.IsZero() && (settles.IsZero() || ready.Before(settles)) {
					settles = ready
				}
				continue
			}
			eligible = append(eligible, r)
		}
		slices.SortStableFunc(eligible, func(a, b *v1alpha1.EphemeralRunner) int {
			if c := b.CreationTimestamp.Compare(a.CreationTimestamp.Time); c != 0 {
				return c
			}
			return cmp.Compare(a.Name, b.Name)
		})
		candidates = append(candidates, eligible...)
	}
	return candidates, settles
}

// readySince is when the runner's pod last became ready, or zero when it is
// not ready.
func readySince(r *v1alpha1.EphemeralRunner) time.Time {
	c := r.Status.GetCondition(v1alpha1.ConditionTypeReady)
	if c == nil || c.Status != metav1.ConditionTrue {
		return time.Time{}
	}
	return c.LastTransitionTime.Time
}
