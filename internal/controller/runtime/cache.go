package runtime

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// CacheOptions are base with the provider's rule for Pods: it caches only the
// pods it created (LabelManagedBy), the runners' and the listeners'.
//
// A controller's cache of a kind holds every object of it that the cache's
// namespaces hold. Pods are the most numerous and the busiest objects of a
// cluster, so a cache of all of them would make the provider's memory and
// its share of the API server's watch traffic grow with every workload of the
// cluster rather than with its runners. A pod of a runner's or listener's
// name that the provider did not create is then not in the cache: the
// controllers learn of it when they cannot create theirs, and read it past
// the cache.
func CacheOptions(base cache.Options) cache.Options {
	byObject := make(map[client.Object]cache.ByObject, len(base.ByObject)+1)
	for obj, o := range base.ByObject {
		byObject[obj] = o
	}
	byObject[&corev1.Pod{}] = cache.ByObject{Label: ManagedBySelector()}
	base.ByObject = byObject
	return base
}

// ManagedBySelector selects what the provider created.
func ManagedBySelector() labels.Selector {
	return labels.SelectorFromSet(labels.Set{LabelManagedBy: ManagedBy})
}
