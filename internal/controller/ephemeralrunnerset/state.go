package ephemeralrunnerset

import (
	"cmp"
	"slices"
	"strconv"

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

	// latestPatchID is the highest patch id any runner was created under.
	latestPatchID int64
}

// newRunnerState categorizes runners. A runner being deleted counts nowhere
// else: it holds no slot.
func newRunnerState(runners []v1alpha1.EphemeralRunner) runnerState {
	var s runnerState
	for i := range runners {
		r := &runners[i]
		if id, err := strconv.ParseInt(r.Annotations[arcruntime.AnnotationPatchID], 10, 64); err == nil && id > s.latestPatchID {
			s.latestPatchID = id
		}
		if !r.DeletionTimestamp.IsZero() {
			s.deleting = append(s.deleting, r)
			continue
		}
		switch r.Status.Phase {
		case v1alpha1.EphemeralRunnerRunning:
			s.running = append(s.running, r)
		case v1alpha1.EphemeralRunnerSucceeded:
			s.succeeded = append(s.succeeded, r)
		case v1alpha1.EphemeralRunnerFailed:
			s.failed = append(s.failed, r)
		default:
			s.pending = append(s.pending, r)
		}
	}
	return s
}

// active is the number of runners that hold a slot: those that are starting
// or running. Failed runners are replaced, so they hold none.
func (s runnerState) active() int { return len(s.pending) + len(s.running) }

// counts are what the status shows.
type counts struct {
	current, pending, running, failed int32
}

func (s runnerState) counts() counts {
	return counts{
		current: int32(len(s.pending) + len(s.running) + len(s.failed) + len(s.succeeded)), //nolint:gosec // bounded by the number of objects in a namespace.
		pending: int32(len(s.pending)),                                                     //nolint:gosec // as above.
		running: int32(len(s.running)),                                                     //nolint:gosec // as above.
		failed:  int32(len(s.failed)),                                                      //nolint:gosec // as above.
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
func planScale(replicas int32, patchID int64, s runnerState) scalePlan {
	want := int(replicas)
	active := s.active()
	answered := patchID != 0 && patchID == s.latestPatchID
	if answered {
		return scalePlan{create: min(len(s.failed), max(0, want-active))}
	}
	return scalePlan{
		create:     max(0, want-active),
		removeIdle: max(0, active-want),
		actOnPatch: true,
	}
}

// isBusy tells whether the listener recorded a job on the runner, or the
// service said it runs one.
func isBusy(r *v1alpha1.EphemeralRunner) bool {
	return r.Status.JobRecorded() || arcruntime.KnownBusy(r)
}

// idleCandidates lists the runners scale-down may remove, in the order it
// should try them: registered runners without a recorded job, those still
// starting before those that run, newest first within each. A runner not yet
// registered is left alone, as in ARC: it cannot be removed from the service
// yet, and the next reconcile, triggered by its status, sees it registered. A
// candidate may still turn out busy: the service's answer to its removal
// decides.
func idleCandidates(s runnerState) []*v1alpha1.EphemeralRunner {
	newestFirst := func(a, b *v1alpha1.EphemeralRunner) int {
		if c := b.CreationTimestamp.Compare(a.CreationTimestamp.Time); c != 0 {
			return c
		}
		return cmp.Compare(a.Name, b.Name)
	}
	var out []*v1alpha1.EphemeralRunner
	for _, group := range [][]*v1alpha1.EphemeralRunner{s.pending, s.running} {
		var eligible []*v1alpha1.EphemeralRunner
		for _, r := range group {
			if r.Status.RunnerID == 0 || isBusy(r) {
				continue
			}
			eligible = append(eligible, r)
		}
		slices.SortStableFunc(eligible, newestFirst)
		out = append(out, eligible...)
	}
	return out
}
