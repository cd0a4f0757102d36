package runtime

import (
	"context"
	"fmt"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// RecentReadTTL is how long a Secret or ConfigMap read past the cache is
// taken as read. The credentials a provider configuration names are read
// for every runner's registration (they key its Actions Service client):
// read from the API server each time, a fan-out of 1,000 runners made 1,380
// reads of the same 20 Secrets, each one from etcd. A rotated credential is
// used this much later, at most.
const RecentReadTTL = 5 * time.Second

// recentReads remembers the Secrets and ConfigMaps read past the cache that
// the provider did not create, for RecentReadTTL, and makes one read of those
// that reconciles ask for at once. The provider's own (LabelManagedBy) are
// not remembered: it writes them, and the cache holds them.
type recentReads struct {
	ttl    time.Duration
	now    func() time.Time
	flight singleflight.Group

	mu    sync.Mutex
	reads map[string]recentRead
}

type recentRead struct {
	obj client.Object
	at  time.Time
}

func newRecentReads(ttl time.Duration, now func() time.Time) *recentReads {
	return &recentReads{ttl: ttl, now: now, reads: map[string]recentRead{}}
}

// sharedReadTimeout bounds a read that several reconciles wait for: it runs
// apart from the context of the one that started it.
const sharedReadTimeout = 30 * time.Second

// get reads key into obj (a *corev1.Secret or *corev1.ConfigMap) through
// live unless it was read within the TTL. A failed read is not remembered: a
// missing Secret a user then creates is found by the next reconcile. A
// caller whose context ends stops waiting; the read goes on for the others
// that wait for it.
func (r *recentReads) get(ctx context.Context, live client.Reader, key client.ObjectKey, obj client.Object) error {
	k := fmt.Sprintf("%T %s", obj, key)
	if read, ok := r.lookup(k); ok {
		return copyInto(obj, read)
	}
	done := r.flight.DoChan(k, func() (any, error) {
		// Read into an empty object: what one caller's object held must
		// not reach the others.
		fresh, err := emptyLike(obj)
		if err != nil {
			return nil, err
		}
		readCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), sharedReadTimeout)
		defer cancel()
		if err := live.Get(readCtx, key, fresh); err != nil {
			return nil, err
		}
		if !ManagedBySelector().Matches(labels.Set(fresh.GetLabels())) {
			r.remember(k, fresh)
		}
		return fresh, nil
	})
	select {
	case <-ctx.Done():
		return ctx.Err()
	case res := <-done:
		if res.Err != nil {
			return res.Err
		}
		return copyInto(obj, res.Val.(client.Object))
	}
}

func (r *recentReads) lookup(k string) (client.Object, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	read, ok := r.reads[k]
	if !ok || r.now().Sub(read.at) >= r.ttl {
		return nil, false
	}
	return read.obj, true
}

func (r *recentReads) remember(k string, obj client.Object) {
	r.mu.Lock()
	defer r.mu.Unlock()
	now := r.now()
	for old, read := range r.reads {
		if now.Sub(read.at) >= r.ttl {
			delete(r.reads, old)
		}
	}
	r.reads[k] = recentRead{obj: obj, at: now}
}

// emptyLike is an empty object of obj's kind, one of those read past the
// cache.
func emptyLike(obj client.Object) (client.Object, error) {
	switch obj.(type) {
	case *corev1.Secret:
		return &corev1.Secret{}, nil
	case *corev1.ConfigMap:
		return &corev1.ConfigMap{}, nil
	}
	return nil, fmt.Errorf("cannot read %T past the cache", obj)
}

// copyInto fills dst with a copy of src, both of one of the kinds read past
// the cache: callers may change what they read.
func copyInto(dst, src client.Object) error {
	switch d := dst.(type) {
	case *corev1.Secret:
		if s, ok := src.(*corev1.Secret); ok {
			s.DeepCopyInto(d)
			return nil
		}
	case *corev1.ConfigMap:
		if s, ok := src.(*corev1.ConfigMap); ok {
			s.DeepCopyInto(d)
			return nil
		}
	}
	return fmt.Errorf("cannot copy %T into %T", src, dst)
}
