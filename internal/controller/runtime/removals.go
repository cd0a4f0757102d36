package runtime

import (
	"context"
	"sync"

	"k8s.io/apimachinery/pkg/types"

	"github.com/arc-crossplane/provider-github-arc/apis/runners/v1alpha1"
	"github.com/arc-crossplane/provider-github-arc/internal/clients/actions"
)

// removedRunners holds the uids of the EphemeralRunners whose runner is known
// to be gone from the service: this process removed it, or the service did
// when the runner's job completed. A runner is otherwise removed several
// times: by its set's scale-down and again by its finalizer, by its own
// finish or failure and again when a stale cache replays the step, each an
// Actions Service call the service answers the same way. Only a removal that
// succeeded is remembered; after a restart a removal is simply made again.
var removedRunners UIDSet

// RemoveRunner removes er's runner from the service unless it is known to be
// gone.
func RemoveRunner(ctx context.Context, ac actions.Client, er *v1alpha1.EphemeralRunner) error {
	if RunnerRemoved(er) {
		return nil
	}
	if err := ac.RemoveRunner(ctx, er.Status.RunnerID); err != nil {
		return err
	}
	rememberRemoved(er)
	return nil
}

// RunnerLeftWithItsJob records that er's runner ran its job and exited: the
// service removed its record when the job completed (an ephemeral runner
// runs one job; PROTOCOL.md §5.6), so it needs no removal.
func RunnerLeftWithItsJob(er *v1alpha1.EphemeralRunner) { rememberRemoved(er) }

func rememberRemoved(er *v1alpha1.EphemeralRunner) { removedRunners.Add(er.UID) }

// RunnerRemoved tells whether er's runner is known to be gone from the
// service.
func RunnerRemoved(er *v1alpha1.EphemeralRunner) bool { return removedRunners.Has(er.UID) }

// busyRunners holds the uids of the EphemeralRunners whose runner the
// service said runs a job, when asked to remove it. An ephemeral runner runs
// one job and then goes: it is never idle again, so scale-down need not ask
// again. In a burst the listener records a started job on its runner seconds
// late, and every reconcile of the set asked the service to remove the same
// busy runners (three removals per job were counted).
var busyRunners UIDSet

// RunnerBusy records that the service said er's runner runs a job.
func RunnerBusy(er *v1alpha1.EphemeralRunner) { busyRunners.Add(er.UID) }

// KnownBusy tells whether the service said er's runner runs a job.
func KnownBusy(er *v1alpha1.EphemeralRunner) bool { return busyRunners.Has(er.UID) }

// ForgetRunner drops what is remembered of the EphemeralRunner of uid, once
// it is going away for good.
func ForgetRunner(uid types.UID) {
	removedRunners.Delete(uid)
	busyRunners.Delete(uid)
}

// UIDSet is a set of object uids, safe for concurrent use: what this process
// remembers of objects until they go. An empty uid is never a member: an
// object without one was never stored by an API server (a test's), and
// nothing tells it from another.
type UIDSet struct{ m sync.Map }

// Add puts uid in the set.
func (s *UIDSet) Add(uid types.UID) {
	if uid != "" {
		s.m.Store(uid, struct{}{})
	}
}

// Has tells whether uid is in the set.
func (s *UIDSet) Has(uid types.UID) bool {
	if uid == "" {
		return false
	}
	_, ok := s.m.Load(uid)
	return ok
}

// Delete takes uid out of the set.
func (s *UIDSet) Delete(uid types.UID) { s.m.Delete(uid) }
