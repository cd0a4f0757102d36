/*
Copyright 2026 The provider-github-arc Authors.

Licensed under the Apache License, Version 2.0 (the "License");
you may not use this file except in compliance with the License.
You may obtain a copy of the License at

    http://www.apache.org/licenses/LICENSE-2.0

Unless required by applicable law or agreed to in writing, software
distributed under the License is distributed on an "AS IS" BASIS,
WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
See the License for the specific language governing permissions and
limitations under the License.
*/

package controller

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/crossplane/crossplane-runtime/v2/pkg/event"
	"github.com/crossplane/crossplane-runtime/v2/pkg/ratelimiter"
	"github.com/crossplane/crossplane-runtime/v2/pkg/reconciler/managed"
	"github.com/crossplane/crossplane-runtime/v2/pkg/resource"
	"k8s.io/apimachinery/pkg/runtime/schema"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/predicate"

	arcv1alpha1 "github.com/arc-crossplane/provider-github-arc/apis/arc/v1alpha1"
	"github.com/arc-crossplane/provider-github-arc/internal/clients"
)

const (
	errTrackUsage    = "cannot track ProviderConfig usage"
	errNoConfigRef   = "spec.providerConfigRef is not set"
	errResolveConfig = "cannot resolve provider configuration"
)

// creationGracePeriod is how long a managed resource that was just created may
// be reported missing before it is believed. GitHub and the Actions Service
// answer reads of what they just wrote consistently, so the grace is short: it
// only delays the deletion of a resource that was created moments before.
const creationGracePeriod = 5 * time.Second

// An ExternalFactory returns the external client of a managed resource of type
// T, for the resolved provider configuration the resource names.
type ExternalFactory[T resource.ModernManaged] func(ctx context.Context, cfg *clients.Config) (managed.TypedExternalClient[T], error)

// SetupManaged adds a controller that reconciles the managed resources of kind
// gvk (objects like of), each through the external client newExternal builds.
//
// The external name is the id GitHub gives a resource, never its
// metadata.name, and creates are deterministic: the external client's Observe
// must find a resource by its name when its id was never recorded, so that a
// create whose result was lost is safe to retry.
func SetupManaged[T resource.ModernManaged](mgr ctrl.Manager, o Options, gvk schema.GroupVersionKind, of T, newExternal ExternalFactory[T]) error {
	o = o.WithDefaults()
	name := managed.ControllerName(gvk.GroupKind().String())

	opts := []managed.ReconcilerOption{
		managed.WithTypedExternalConnector[T](NewConnector(mgr.GetClient(),
			resource.NewProviderConfigUsageTracker(mgr.GetClient(), &arcv1alpha1.ProviderConfigUsage{}), newExternal)),
		managed.WithInitializers(),
		managed.WithDeterministicExternalName(true),
		managed.WithCreationGracePeriod(creationGracePeriod),
		managed.WithLogger(o.Logger.WithValues("controller", name)),
		managed.WithRecorder(event.NewAPIRecorder(mgr.GetEventRecorderFor(name))), //nolint:staticcheck // crossplane-runtime's recorder takes the legacy recorder
		managed.WithPollInterval(o.PollInterval),
		managed.WithManagementPolicies(),
	}
	if o.MetricOptions != nil && o.MetricOptions.MRMetrics != nil {
		opts = append(opts, managed.WithMetricRecorder(o.MetricOptions.MRMetrics))
	}

	r := managed.NewReconciler(mgr, resource.ManagedKind(gvk), opts...)

	return ctrl.NewControllerManagedBy(mgr).
		Named(name).
		WithOptions(o.ForControllerRuntime()).
		For(of).
		WithEventFilter(managedEventFilter()).
		Complete(ratelimiter.NewReconciler(name, r, o.GlobalRateLimiter))
}

// managedEventFilter passes the changes that ask for a new observation: the
// spec, labels, annotations (the external name among them) and deletion. The
// reconciler's own status writes do not: a scale set's statistics change the
// status on every busy poll, and each such write would otherwise observe the
// resource at GitHub again at once. Drift is found by the poll.
func managedEventFilter() predicate.Predicate {
	return resource.DesiredStateChanged()
}

// A Connector connects a managed resource to GitHub: it records that the
// resource uses its provider configuration, reads that configuration and its
// Secret, and builds the resource's external client from them.
type Connector[T resource.ModernManaged] struct {
	kube        client.Reader
	usage       resource.ModernTracker
	newExternal ExternalFactory[T]
}

// NewConnector returns a Connector that reads configurations through kube and
// records usages with usage.
func NewConnector[T resource.ModernManaged](kube client.Reader, usage resource.ModernTracker, newExternal ExternalFactory[T]) *Connector[T] {
	return &Connector[T]{kube: kube, usage: usage, newExternal: newExternal}
}

// Connect implements managed.TypedExternalConnector. The configuration and its
// Secret are read on every connect, the configuration from the manager's
// cache, the Secret past it (arcruntime.RecentReadTTL): a rotated credential
// is used within seconds, without a watch.
func (c *Connector[T]) Connect(ctx context.Context, mg T) (managed.TypedExternalClient[T], error) {
	if err := c.usage.Track(ctx, mg); err != nil {
		return nil, fmt.Errorf("%s: %w", errTrackUsage, err)
	}
	ref := mg.GetProviderConfigReference()
	if ref == nil {
		return nil, errors.New(errNoConfigRef)
	}
	cfg, err := clients.ResolveConfig(ctx, c.kube, mg.GetNamespace(), ref.Kind, ref.Name)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", errResolveConfig, err)
	}
	return c.newExternal(ctx, cfg)
}
