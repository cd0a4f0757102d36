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

// Package config reconciles ProviderConfigs and ClusterProviderConfigs: it
// counts the managed resources that use each (so a configuration in use
// cannot be deleted) and reports on the configuration itself whether its
// Secret and keys can be read.
package config

import (
	"context"
	"fmt"
	"time"

	"github.com/crossplane/crossplane-runtime/v2/pkg/event"
	"github.com/crossplane/crossplane-runtime/v2/pkg/logging"
	"github.com/crossplane/crossplane-runtime/v2/pkg/ratelimiter"
	"github.com/crossplane/crossplane-runtime/v2/pkg/reconciler/providerconfig"
	"github.com/crossplane/crossplane-runtime/v2/pkg/resource"
	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"
	kerrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	arcv1alpha1 "github.com/arc-crossplane/provider-github-arc/apis/arc/v1alpha1"
	"github.com/arc-crossplane/provider-github-arc/internal/clients"
	"github.com/arc-crossplane/provider-github-arc/internal/controller"
)

const (
	errGetConfig    = "cannot get provider configuration"
	errUpdateStatus = "cannot update the provider configuration's status"

	reasonInvalidCredentials xpv2.ConditionReason = "InvalidCredentials"
	reasonCredentials        event.Reason         = "CannotReadCredentials"
)

// Setup adds the controllers of ProviderConfig and ClusterProviderConfig.
func Setup(mgr ctrl.Manager, o controller.Options) error {
	o = o.WithDefaults()
	if err := setup(mgr, o, arcv1alpha1.ProviderConfigGroupVersionKind, &arcv1alpha1.ProviderConfig{}); err != nil {
		return err
	}
	return setup(mgr, o, arcv1alpha1.ClusterProviderConfigGroupVersionKind, &arcv1alpha1.ClusterProviderConfig{})
}

func setup(mgr ctrl.Manager, o controller.Options, gvk schema.GroupVersionKind, of client.Object) error {
	name := providerconfig.ControllerName(gvk.GroupKind().String())
	log := o.Logger.WithValues("controller", name)
	recorder := event.NewAPIRecorder(mgr.GetEventRecorderFor(name)) //nolint:staticcheck // crossplane-runtime's recorder takes the legacy recorder

	// Usages of both kinds are ProviderConfigUsages: every managed resource
	// of this provider is namespaced.
	usage := providerconfig.NewReconciler(mgr, resource.ProviderConfigKinds{
		Config:    gvk,
		Usage:     arcv1alpha1.ProviderConfigUsageGroupVersionKind,
		UsageList: arcv1alpha1.ProviderConfigUsageListGroupVersionKind,
	}, providerconfig.WithLogger(log), providerconfig.WithRecorder(recorder))

	r := &Reconciler{
		kube:    mgr.GetClient(),
		usage:   usage,
		newPC:   func() arcv1alpha1.Config { return of.DeepCopyObject().(arcv1alpha1.Config) }, //nolint:forcetypeassert // of is one of the two kinds
		log:     log,
		record:  recorder,
		recheck: o.PollInterval,
	}

	return ctrl.NewControllerManagedBy(mgr).
		Named(name).
		WithOptions(o.ForControllerRuntime()).
		For(of).
		Watches(&arcv1alpha1.ProviderConfigUsage{}, &resource.EnqueueRequestForProviderConfig{Kind: gvk.Kind}).
		Complete(ratelimiter.NewReconciler(name, r, o.GlobalRateLimiter))
}

// Reconciler counts a configuration's usages with crossplane-runtime's
// reconciler, then reads the configuration's Secret and reports the result in
// its Ready condition (and as an event when something is wrong), so a person
// sees a bad Secret where they wrote it, before any managed resource fails.
type Reconciler struct {
	kube    client.Client
	usage   reconcile.Reconciler
	newPC   func() arcv1alpha1.Config
	log     logging.Logger
	record  event.Recorder
	recheck time.Duration
}

// Reconcile a ProviderConfig or ClusterProviderConfig.
func (r *Reconciler) Reconcile(ctx context.Context, req reconcile.Request) (reconcile.Result, error) {
	res, err := r.usage.Reconcile(ctx, req)
	if err != nil {
		return res, err
	}

	pc := r.newPC()
	if err := r.kube.Get(ctx, req.NamespacedName, pc); err != nil {
		return reconcile.Result{}, client.IgnoreNotFound(fmt.Errorf("%s: %w", errGetConfig, err))
	}
	if !pc.GetDeletionTimestamp().IsZero() {
		return res, nil
	}

	cond := xpv2.Available()
	if _, err := clients.ResolveSettings(ctx, r.kube, pc.ClientSettings()); err != nil {
		if !clients.IsConfigError(err) {
			// Not the configuration's fault (say, the API server is
			// unreachable): retry with backoff.
			return reconcile.Result{}, err
		}
		cond = xpv2.Unavailable().WithMessage(err.Error())
		cond.Reason = reasonInvalidCredentials
		if !pc.GetCondition(xpv2.TypeReady).Equal(cond) {
			r.log.Info("Provider configuration cannot be used", "name", pc.GetName(), "namespace", pc.GetNamespace(), "error", err.Error())
			r.record.Event(pc, event.Warning(reasonCredentials, err))
		}
	}
	if !pc.GetCondition(xpv2.TypeReady).Equal(cond) {
		pc.SetConditions(cond)
		if err := r.kube.Status().Update(ctx, pc); err != nil {
			if kerrors.IsConflict(err) {
				return reconcile.Result{Requeue: true}, nil
			}
			return reconcile.Result{}, fmt.Errorf("%s: %w", errUpdateStatus, err)
		}
	}
	// Secrets are not watched (a Secret does not say which configurations
	// read it), so they are read again now and then.
	return reconcile.Result{RequeueAfter: r.recheck}, nil
}
