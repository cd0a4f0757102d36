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

// Package runnerscaleset reconciles RunnerScaleSets with runner scale sets in
// the GitHub Actions Service.
package runnerscaleset

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/crossplane/crossplane-runtime/v2/pkg/meta"
	"github.com/crossplane/crossplane-runtime/v2/pkg/reconciler/managed"
	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"
	ctrl "sigs.k8s.io/controller-runtime"

	"github.com/arc-crossplane/provider-github-arc/apis/actions/v1alpha1"
	"github.com/arc-crossplane/provider-github-arc/internal/clients"
	"github.com/arc-crossplane/provider-github-arc/internal/clients/actions"
	"github.com/arc-crossplane/provider-github-arc/internal/controller"
)

const (
	errNewClient      = "cannot create Actions Service client"
	errExternalName   = "external name %q is not a scale set id: set the crossplane.io/external-name annotation to the scale set's numeric id, or remove it to find the scale set by name"
	errObserve        = "cannot observe runner scale set"
	errCreate         = "cannot create runner scale set"
	errUpdate         = "cannot update runner scale set"
	errDelete         = "cannot delete runner scale set"
	errUnknownGroup   = "runner group %q named by spec.forProvider.runnerGroupName does not exist: create it (for example with a RunnerGroup) or fix the name"
	errResolveGroup   = "cannot look up runner group %q named by spec.forProvider.runnerGroupName"
	errDeleteBusy     = "the scale set still has runners running jobs; deletion is retried until they finish"
	errServiceRefused = "the Actions Service kept refusing the call with a rate limit (429) or a server error; the provider backs off and retries"
)

// defaultGroupID is the Default runner group, where a scale set goes when the
// spec names no group.
const defaultGroupID = 1

// Setup adds a controller that reconciles RunnerScaleSets.
func Setup(mgr ctrl.Manager, o controller.Options) error {
	return controller.SetupManaged(mgr, o, v1alpha1.RunnerScaleSetGroupVersionKind, &v1alpha1.RunnerScaleSet{}, connect(o.ActionsClient()))
}

// connect returns the external client of a RunnerScaleSet: an Actions Service
// client of its configuration.
func connect(newClient controller.ActionsClientFactory) controller.ExternalFactory[*v1alpha1.RunnerScaleSet] {
	return func(ctx context.Context, cfg *clients.Config) (managed.TypedExternalClient[*v1alpha1.RunnerScaleSet], error) {
		svc, err := newClient(ctx, cfg)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", errNewClient, err)
		}
		return &external{svc: svc}, nil
	}
}

// external manages one RunnerScaleSet's scale set in the Actions Service.
type external struct {
	svc actions.Client
}

func (e *external) Observe(ctx context.Context, cr *v1alpha1.RunnerScaleSet) (managed.ExternalObservation, error) {
	ss, adopted, err := e.find(ctx, cr)
	if err != nil || ss == nil {
		return managed.ExternalObservation{}, err
	}
	cr.Status.AtProvider = observation(ss)
	cr.SetConditions(xpv2.Available())

	obs := managed.ExternalObservation{ResourceExists: true, ResourceUpToDate: true, ResourceLateInitialized: adopted}
	if meta.WasDeleted(cr) {
		// Nothing is updated during deletion, and the group named by
		// the spec may be gone already.
		return obs, nil
	}
	groupID, err := e.groupID(ctx, cr.Spec.ForProvider)
	if err != nil {
		return managed.ExternalObservation{}, err
	}
	obs.ResourceUpToDate = upToDate(cr.Spec.ForProvider, groupID, ss)
	return obs, nil
}

// find returns the scale set by its id (the external name) or, before an id
// was recorded, by its name in its group; nil when there is none. adopted is
// true when the id was found by name and written to the external name.
func (e *external) find(ctx context.Context, cr *v1alpha1.RunnerScaleSet) (ss *actions.ScaleSet, adopted bool, err error) {
	if en := meta.GetExternalName(cr); en != "" {
		id, err := strconv.Atoi(en)
		if err != nil || id < 1 {
			return nil, false, fmt.Errorf(errExternalName, en)
		}
		ss, err := e.svc.GetScaleSetByID(ctx, id)
		if actions.IsNotFound(err) {
			return nil, false, nil
		}
		if err != nil {
			return nil, false, fmt.Errorf("%s: %w", errObserve, explain(err))
		}
		return ss, false, nil
	}
	groupID, err := e.groupID(ctx, cr.Spec.ForProvider)
	if err != nil {
		if meta.WasDeleted(cr) {
			// Without an id and without its group, there is nothing
			// this resource could have created.
			return nil, false, nil
		}
		return nil, false, err
	}
	ss, err = e.svc.GetScaleSet(ctx, groupID, string(cr.Spec.ForProvider.Name))
	if actions.IsNotFound(err) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("%s: %w", errObserve, explain(err))
	}
	meta.SetExternalName(cr, strconv.Itoa(ss.ID))
	if meta.ExternalCreateIncomplete(cr) {
		// This is what the create whose result was lost made: say it
		// succeeded, so the resource no longer looks half-created.
		meta.SetExternalCreateSucceeded(cr, time.Now())
	}
	return ss, true, nil
}

// groupID is the id of the runner group the spec asks for: by id (also what
// a reference resolves to), by name, or the Default group.
func (e *external) groupID(ctx context.Context, p v1alpha1.RunnerScaleSetParameters) (int, error) {
	switch {
	case p.RunnerGroupID != nil:
		return int(*p.RunnerGroupID), nil
	case p.RunnerGroupName != nil && *p.RunnerGroupName != "":
		name := string(*p.RunnerGroupName)
		g, err := e.svc.GetRunnerGroupByName(ctx, name)
		if actions.IsNotFound(err) {
			return 0, fmt.Errorf(errUnknownGroup, name)
		}
		if err != nil {
			return 0, fmt.Errorf(errResolveGroup+": %w", name, explain(err))
		}
		return g.ID, nil
	default:
		return defaultGroupID, nil
	}
}

func (e *external) Create(ctx context.Context, cr *v1alpha1.RunnerScaleSet) (managed.ExternalCreation, error) {
	spec, err := e.spec(ctx, cr.Spec.ForProvider)
	if err != nil {
		return managed.ExternalCreation{}, err
	}
	ss, err := e.svc.CreateScaleSet(ctx, spec)
	if actions.IsConflict(err) {
		// The name is taken in the group since our Observe: take that
		// scale set over; the next Observe puts its fields back.
		ss, err = e.svc.GetScaleSet(ctx, spec.RunnerGroupID, spec.Name)
	}
	if err != nil {
		return managed.ExternalCreation{}, fmt.Errorf("%s: %w", errCreate, explain(err))
	}
	meta.SetExternalName(cr, strconv.Itoa(ss.ID))
	return managed.ExternalCreation{}, nil
}

func (e *external) Update(ctx context.Context, cr *v1alpha1.RunnerScaleSet) (managed.ExternalUpdate, error) {
	id, err := strconv.Atoi(meta.GetExternalName(cr))
	if err != nil {
		return managed.ExternalUpdate{}, fmt.Errorf(errExternalName, meta.GetExternalName(cr))
	}
	spec, err := e.spec(ctx, cr.Spec.ForProvider)
	if err != nil {
		return managed.ExternalUpdate{}, err
	}
	if _, err := e.svc.UpdateScaleSet(ctx, id, spec); err != nil {
		return managed.ExternalUpdate{}, fmt.Errorf("%s: %w", errUpdate, explain(err))
	}
	return managed.ExternalUpdate{}, nil
}

func (e *external) Delete(ctx context.Context, cr *v1alpha1.RunnerScaleSet) (managed.ExternalDelete, error) {
	cr.SetConditions(xpv2.Deleting())
	id, err := strconv.Atoi(meta.GetExternalName(cr))
	if err != nil {
		return managed.ExternalDelete{}, fmt.Errorf(errExternalName, meta.GetExternalName(cr))
	}
	err = e.svc.DeleteScaleSet(ctx, id)
	switch {
	case err == nil, actions.IsNotFound(err):
		return managed.ExternalDelete{}, nil
	case actions.IsConflict(err):
		return managed.ExternalDelete{}, fmt.Errorf("%s: %s: %w", errDelete, errDeleteBusy, err)
	default:
		return managed.ExternalDelete{}, fmt.Errorf("%s: %w", errDelete, explain(err))
	}
}

func (e *external) Disconnect(context.Context) error { return nil }

// explain adds what a person needs to know to an error of the scaleset
// library's retrying HTTP client, which ends retries of a 429 or 5xx with
// "giving up after N attempt(s)" and drops the status.
func explain(err error) error {
	if strings.Contains(err.Error(), "giving up after") {
		return fmt.Errorf("%s: %w", errServiceRefused, err)
	}
	return err
}

// spec is what the service is sent on create and on every update. Labels are
// sent whole each time, the name first, so a label removed from the spec is
// removed from the service too (ARC sends them on create only).
func (e *external) spec(ctx context.Context, p v1alpha1.RunnerScaleSetParameters) (actions.ScaleSetSpec, error) {
	groupID, err := e.groupID(ctx, p)
	if err != nil {
		return actions.ScaleSetSpec{}, err
	}
	return actions.ScaleSetSpec{
		Name:          string(p.Name),
		RunnerGroupID: groupID,
		Labels:        labels(p),
		DisableUpdate: p.RunnerSettings != nil && p.RunnerSettings.DisableUpdate,
	}, nil
}

// labels are the scale set's name followed by the spec's extra labels,
// without duplicates (labels match case-insensitively).
func labels(p v1alpha1.RunnerScaleSetParameters) []string {
	out := []string{string(p.Name)}
	for _, l := range p.Labels {
		if !slices.ContainsFunc(out, func(s string) bool { return strings.EqualFold(s, string(l)) }) {
			out = append(out, string(l))
		}
	}
	return out
}

// upToDate compares the name, group, labels and runner settings.
func upToDate(p v1alpha1.RunnerScaleSetParameters, groupID int, ss *actions.ScaleSet) bool {
	if ss.Name != string(p.Name) || ss.RunnerGroupID != groupID {
		return false
	}
	norm := func(in []string) []string {
		out := make([]string, 0, len(in))
		for _, s := range in {
			out = append(out, strings.ToLower(s))
		}
		slices.Sort(out)
		return slices.Compact(out)
	}
	if !slices.Equal(norm(labels(p)), norm(ss.Labels)) {
		return false
	}
	// The service can only turn disableUpdate on: an update ignores false.
	// Comparing the other way would update on every poll to no effect.
	wantDisable := p.RunnerSettings != nil && p.RunnerSettings.DisableUpdate
	return !wantDisable || ss.DisableUpdate
}

func observation(ss *actions.ScaleSet) v1alpha1.RunnerScaleSetObservation {
	o := v1alpha1.RunnerScaleSetObservation{
		ID:              int64(ss.ID),
		Name:            ss.Name,
		RunnerGroupID:   int64(ss.RunnerGroupID),
		RunnerGroupName: ss.RunnerGroupName,
		Labels:          ss.Labels,
		DisableUpdate:   &ss.DisableUpdate,
	}
	if s := ss.Statistics; s != nil {
		o.Statistics = &v1alpha1.RunnerScaleSetStatistics{
			TotalAvailableJobs:     int64(s.TotalAvailableJobs),
			TotalAcquiredJobs:      int64(s.TotalAcquiredJobs),
			TotalAssignedJobs:      int64(s.TotalAssignedJobs),
			TotalRunningJobs:       int64(s.TotalRunningJobs),
			TotalRegisteredRunners: int64(s.TotalRegisteredRunners),
			TotalBusyRunners:       int64(s.TotalBusyRunners),
			TotalIdleRunners:       int64(s.TotalIdleRunners),
		}
	}
	return o
}
