package runtime

import (
	"context"

	"k8s.io/apimachinery/pkg/api/equality"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// PatchStatus merge-patches obj's status after change, and skips the write
// when change left the status as it was: every event of a controller's
// objects reconciles it, and most change nothing. Only the fields change set
// are sent, so fields another writer owns (the listener's job record) are
// never overwritten. A status whose object is gone is no error.
func PatchStatus[O client.Object, S any](ctx context.Context, kube client.Client, obj O, status func(O) *S, change func(*S), opts ...client.MergeFromOption) error {
	before := obj.DeepCopyObject().(O) // DeepCopyObject returns its receiver's type
	change(status(obj))
	if equality.Semantic.DeepEqual(status(before), status(obj)) {
		return nil
	}
	return client.IgnoreNotFound(kube.Status().Patch(ctx, obj, client.MergeFromWithOptions(before, opts...)))
}
