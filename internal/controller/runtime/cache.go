package runtime

import (
	"context"
	"time"

	corev1 "k8s.io/api/core/v1"
	kerrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/rest"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// ManagerOptions are o with the provider's cache: of Pods, Secrets and
// ConfigMaps it caches only those it created (LabelManagedBy), and its client
// reads a Secret or ConfigMap the cache lacks from the API server.
//
// A controller's cache of a kind holds every object of it in the cache's
// namespaces. Pods are the most numerous and the busiest objects of a cluster,
// Secrets the ones the provider has least business holding (and Helm keeps
// large ones): cached whole, they made the provider's memory and its share of
// the API server's watch traffic grow with every workload of the cluster
// rather than with its runners. The Secrets and ConfigMaps the provider reads
// but did not create are few: the credentials and CA bundles provider
// configurations name, and managed resources' connection Secrets. Read past
// the cache, one stands for RecentReadTTL: every runner's registration reads
// its credentials.
// A pod of a runner's or listener's name that the provider did not create is
// not in the cache either: the controllers learn of it when they cannot
// create theirs, and read it past the cache.
func ManagerOptions(o ctrl.Options) ctrl.Options {
	byObject := make(map[client.Object]cache.ByObject, len(o.Cache.ByObject)+3)
	for obj, bo := range o.Cache.ByObject {
		byObject[obj] = bo
	}
	for _, obj := range []client.Object{&corev1.Pod{}, &corev1.Secret{}, &corev1.ConfigMap{}} {
		byObject[obj] = cache.ByObject{Label: ManagedBySelector()}
	}
	o.Cache.ByObject = byObject
	o.NewClient = newClient
	return o
}

// ManagedBySelector selects what the provider created.
func ManagedBySelector() labels.Selector {
	return labels.SelectorFromSet(labels.Set{LabelManagedBy: ManagedBy})
}

// newClient is controller-runtime's client, reading Secrets and ConfigMaps
// the cache lacks from the API server.
func newClient(config *rest.Config, options client.Options) (client.Client, error) {
	cached, err := client.New(config, options)
	if err != nil {
		return nil, err
	}
	options.Cache = nil
	live, err := client.New(config, options)
	if err != nil {
		return nil, err
	}
	return &pastTheCache{Client: cached, live: live, recent: newRecentReads(RecentReadTTL, time.Now)}, nil
}

// pastTheCache reads a Secret or ConfigMap the cache does not hold from the
// API server, or from what it read there within RecentReadTTL.
type pastTheCache struct {
	client.Client
	live   client.Reader
	recent *recentReads
}

// Get implements client.Reader.
func (c *pastTheCache) Get(ctx context.Context, key client.ObjectKey, obj client.Object, opts ...client.GetOption) error {
	err := c.Client.Get(ctx, key, obj, opts...)
	if !kerrors.IsNotFound(err) {
		return err
	}
	switch obj.(type) {
	case *corev1.Secret, *corev1.ConfigMap:
		if len(opts) > 0 {
			return c.live.Get(ctx, key, obj, opts...)
		}
		return c.recent.get(ctx, c.live, key, obj)
	}
	return err
}

// Holder is what holds a name that a create found taken.
type Holder int

// Holders of a taken name.
const (
	// HolderGone: nothing any more, the holder went since.
	HolderGone Holder = iota
	// HolderOwner: the owner's own object, which the cache has not shown yet.
	HolderOwner
	// HolderOther: an object something else made; the cache holds none of
	// those (ManagerOptions).
	HolderOther
)

// DeleteExact deletes obj, the very object read (its uid a precondition):
// one gone since, or replaced by another of its name (a runner's next pod, a
// listener's new one), is not an error, and the other is left alone.
func DeleteExact(ctx context.Context, kube client.Writer, obj client.Object) error {
	uid := obj.GetUID()
	err := kube.Delete(ctx, obj, client.Preconditions{UID: &uid})
	if client.IgnoreNotFound(err) != nil && !kerrors.IsConflict(err) {
		return err
	}
	return nil
}

// NameHolder reads obj, whose name a create found taken, from the API server
// into obj, and tells whether owner controls it.
func NameHolder(ctx context.Context, live client.Reader, obj client.Object, owner metav1.Object) (Holder, error) {
	err := live.Get(ctx, client.ObjectKeyFromObject(obj), obj)
	switch {
	case kerrors.IsNotFound(err):
		return HolderGone, nil
	case err != nil:
		return HolderGone, err
	case metav1.IsControlledBy(obj, owner):
		return HolderOwner, nil
	}
	return HolderOther, nil
}
