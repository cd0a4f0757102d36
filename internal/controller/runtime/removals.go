package runtime

import (
	"context"
	"sync"

	"k8s.io/apimachinery/pkg/types"

	"github.com/arc-crossplane/provider-github-arc/apis/runners/v1alpha1"
	"github.com/arc-crossplane/provider-github-arc/internal/clients/actions"
)

// removedRunners holds the uids of the EphemeralRunners whose runner this
// process removed from the service. A runner is otherwise removed several
// times: by its set's scale-down and again by its finalizer, by its own
// finish or failure and again when a stale cache replays the step, each an
// Actions Service call the service answers the same way. Only a removal that
// succeeded is remembered; after a restart a removal is simply made again.
var removedRunners sync.Map // types.UID -> struct{}

// RemoveRunner removes er's runner from the service unless this process
// removed it already.
func RemoveRunner(ctx context.Context, ac actions.Client, er *v1alpha1.EphemeralRunner) error {
	if RunnerRemoved(er) {
		return nil
	}
	if err := ac.RemoveRunner(ctx, er.Status.RunnerID); err != nil {
		return err
	}
	// An object without a uid was never stored by an API server (a test's):
	// nothing tells it from another.
	if er.UID != "" {
		removedRunners.Store(er.UID, struct{}{})
	}
	return nil
}

// RunnerRemoved tells whether this process removed er's runner from the
// service.
func RunnerRemoved(er *v1alpha1.EphemeralRunner) bool {
	if er.UID == "" {
		return false
	}
	_, ok := removedRunners.Load(er.UID)
	return ok
}

// ForgetRunner drops what RemoveRunner remembers of the EphemeralRunner of
// uid, once it is going away for good.
func ForgetRunner(uid types.UID) { removedRunners.Delete(uid) }
