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

// Package runnergroup reconciles RunnerGroups with the runner groups of a
// GitHub organization or enterprise, through GitHub's REST API.
package runnergroup

import (
	"context"
	"errors"
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
	ghclient "github.com/arc-crossplane/provider-github-arc/internal/clients/github"
	"github.com/arc-crossplane/provider-github-arc/internal/controller"
)

const (
	errResolveConfig     = "cannot resolve provider configuration"
	errNewClient         = "cannot create GitHub client"
	errExternalName      = "external name %q is not a runner group id: set the crossplane.io/external-name annotation to the group's numeric id, or remove it to find the group by name"
	errObserve           = "cannot observe runner group"
	errObserveRepos      = "cannot observe the runner group's selected repositories"
	errCreate            = "cannot create runner group"
	errUpdate            = "cannot update runner group"
	errUpdateRepos       = "cannot set the runner group's selected repositories"
	errDelete            = "cannot delete runner group"
	errResolveRepos      = "cannot resolve spec.forProvider.selectedRepositories to repository ids"
	errDeleteDefault     = "the Default runner group (id 1) can never be deleted at GitHub; to delete this RunnerGroup and keep the group, remove Delete from spec.managementPolicies (for example [\"Observe\"])"
	errSelectedOrgs      = "spec.forProvider.selectedOrganizations is not supported yet: choose the enterprise group's organizations at GitHub and leave the field empty"
	errRepositoriesOnEnt = "spec.forProvider.selectedRepositories is for organization groups: an enterprise group selects organizations"
)

// defaultGroupID is the id GitHub gives every organization's Default group.
const defaultGroupID = 1

// Setup adds a controller that reconciles RunnerGroups.
func Setup(mgr ctrl.Manager, o controller.Options) error {
	return controller.SetupManaged(mgr, o, v1alpha1.RunnerGroupGroupVersionKind, &v1alpha1.RunnerGroup{}, connect(o.GitHubClient()))
}

// connect returns the external client of a RunnerGroup: a REST client of the
// organization or enterprise its configuration names.
func connect(newClient controller.GitHubClientFactory) controller.ExternalFactory[*v1alpha1.RunnerGroup] {
	return func(ctx context.Context, cfg *clients.Config) (managed.TypedExternalClient[*v1alpha1.RunnerGroup], error) {
		scope, err := clients.ParseConfigURL(cfg.ConfigURL)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", errResolveConfig, err)
		}
		gh, err := newClient(ctx, cfg)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", errNewClient, err)
		}
		return &external{gh: gh, enterprise: scope.Enterprise != ""}, nil
	}
}

// external manages one RunnerGroup's group at GitHub.
type external struct {
	gh         ghclient.RunnerGroupClient
	enterprise bool
}

func (e *external) Observe(ctx context.Context, cr *v1alpha1.RunnerGroup) (managed.ExternalObservation, error) {
	p := cr.Spec.ForProvider
	if e.enterprise && len(p.SelectedOrganizations) > 0 {
		return managed.ExternalObservation{}, errors.New(errSelectedOrgs)
	}
	if e.enterprise && len(p.SelectedRepositories) > 0 {
		return managed.ExternalObservation{}, errors.New(errRepositoriesOnEnt)
	}

	group, adopted, err := e.find(ctx, cr)
	if err != nil || group == nil {
		return managed.ExternalObservation{}, err
	}

	var selected []ghclient.Repository
	if !e.enterprise && group.Visibility == string(v1alpha1.RunnerGroupVisibilitySelected) {
		if selected, err = e.gh.ListSelectedRepositories(ctx, group.ID); err != nil {
			return managed.ExternalObservation{}, fmt.Errorf("%s: %w", errObserveRepos, err)
		}
	}
	cr.Status.AtProvider = observation(group, selected)
	cr.SetConditions(xpv2.Available())

	return managed.ExternalObservation{
		ResourceExists:   true,
		ResourceUpToDate: upToDate(p, group, selected),
		// Recording the id that a lookup by name found is the only
		// change Observe makes to the spec: the reconciler persists it.
		ResourceLateInitialized: adopted,
	}, nil
}

// find returns the group by its id (the external name) or, before an id was
// recorded, by its name; nil when there is none. adopted is true when the id
// was found by name and written to the external name.
func (e *external) find(ctx context.Context, cr *v1alpha1.RunnerGroup) (group *ghclient.RunnerGroup, adopted bool, err error) {
	if en := meta.GetExternalName(cr); en != "" {
		id, err := strconv.ParseInt(en, 10, 64)
		if err != nil || id < 1 {
			return nil, false, fmt.Errorf(errExternalName, en)
		}
		g, err := e.gh.GetRunnerGroup(ctx, id)
		if ghclient.IsNotFound(err) {
			return nil, false, nil
		}
		if err != nil {
			return nil, false, fmt.Errorf("%s: %w", errObserve, err)
		}
		return g, false, nil
	}
	g, err := e.gh.GetRunnerGroupByName(ctx, string(cr.Spec.ForProvider.Name))
	if ghclient.IsNotFound(err) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("%s: %w", errObserve, err)
	}
	meta.SetExternalName(cr, strconv.FormatInt(g.ID, 10))
	if meta.ExternalCreateIncomplete(cr) {
		// This is what the create whose result was lost made: say it
		// succeeded, so the resource no longer looks half-created.
		meta.SetExternalCreateSucceeded(cr, time.Now())
	}
	return g, true, nil
}

func (e *external) Create(ctx context.Context, cr *v1alpha1.RunnerGroup) (managed.ExternalCreation, error) {
	params, err := e.parameters(ctx, cr.Spec.ForProvider)
	if err != nil {
		return managed.ExternalCreation{}, err
	}
	g, err := e.gh.CreateRunnerGroup(ctx, params)
	if ghclient.IsAlreadyExists(err) {
		// Someone created it between our Observe and now: take it over,
		// and let the next Observe put its fields back to the spec.
		g, err = e.gh.GetRunnerGroupByName(ctx, params.Name)
	}
	if err != nil {
		return managed.ExternalCreation{}, fmt.Errorf("%s: %w", errCreate, err)
	}
	meta.SetExternalName(cr, strconv.FormatInt(g.ID, 10))
	return managed.ExternalCreation{}, nil
}

func (e *external) Update(ctx context.Context, cr *v1alpha1.RunnerGroup) (managed.ExternalUpdate, error) {
	id, err := strconv.ParseInt(meta.GetExternalName(cr), 10, 64)
	if err != nil {
		return managed.ExternalUpdate{}, fmt.Errorf(errExternalName, meta.GetExternalName(cr))
	}
	params, err := e.parameters(ctx, cr.Spec.ForProvider)
	if err != nil {
		return managed.ExternalUpdate{}, err
	}
	if _, err := e.gh.UpdateRunnerGroup(ctx, id, params); err != nil {
		return managed.ExternalUpdate{}, fmt.Errorf("%s: %w", errUpdate, err)
	}
	if !e.enterprise && visibility(cr.Spec.ForProvider) == v1alpha1.RunnerGroupVisibilitySelected {
		if err := e.gh.SetSelectedRepositories(ctx, id, params.SelectedRepositoryIDs); err != nil {
			return managed.ExternalUpdate{}, fmt.Errorf("%s: %w", errUpdateRepos, err)
		}
	}
	return managed.ExternalUpdate{}, nil
}

func (e *external) Delete(ctx context.Context, cr *v1alpha1.RunnerGroup) (managed.ExternalDelete, error) {
	cr.SetConditions(xpv2.Deleting())
	id, err := strconv.ParseInt(meta.GetExternalName(cr), 10, 64)
	if err != nil {
		return managed.ExternalDelete{}, fmt.Errorf(errExternalName, meta.GetExternalName(cr))
	}
	if id == defaultGroupID || (cr.Status.AtProvider.Default != nil && *cr.Status.AtProvider.Default) {
		return managed.ExternalDelete{}, errors.New(errDeleteDefault)
	}
	if err := e.gh.DeleteRunnerGroup(ctx, id); err != nil && !ghclient.IsNotFound(err) {
		return managed.ExternalDelete{}, fmt.Errorf("%s: %w", errDelete, err)
	}
	return managed.ExternalDelete{}, nil
}

func (e *external) Disconnect(context.Context) error { return nil }

// parameters turns the spec into what GitHub is sent, with repository names
// resolved to ids.
func (e *external) parameters(ctx context.Context, p v1alpha1.RunnerGroupParameters) (ghclient.RunnerGroupParameters, error) {
	out := ghclient.RunnerGroupParameters{
		Name:                     string(p.Name),
		Visibility:               string(visibility(p)),
		AllowsPublicRepositories: &p.AllowsPublicRepositories,
		RestrictedToWorkflows:    &p.RestrictedToWorkflows,
	}
	if p.RestrictedToWorkflows {
		for _, w := range p.SelectedWorkflows {
			out.SelectedWorkflows = append(out.SelectedWorkflows, string(w))
		}
	}
	if e.enterprise || visibility(p) != v1alpha1.RunnerGroupVisibilitySelected || len(p.SelectedRepositories) == 0 {
		return out, nil
	}
	names := make([]string, 0, len(p.SelectedRepositories))
	for _, r := range p.SelectedRepositories {
		names = append(names, string(r))
	}
	ids, err := e.gh.ResolveRepositoryIDs(ctx, names)
	if err != nil {
		return out, fmt.Errorf("%s: %w", errResolveRepos, err)
	}
	for _, n := range names {
		out.SelectedRepositoryIDs = append(out.SelectedRepositoryIDs, ids[n])
	}
	slices.Sort(out.SelectedRepositoryIDs)
	return out, nil
}

// visibility is the spec's visibility, with the API's default for objects
// that were not defaulted by an API server.
func visibility(p v1alpha1.RunnerGroupParameters) v1alpha1.RunnerGroupVisibility {
	if p.Visibility == "" {
		return v1alpha1.RunnerGroupVisibilityAll
	}
	return p.Visibility
}

// upToDate compares every field the spec sets with what GitHub reports.
func upToDate(p v1alpha1.RunnerGroupParameters, g *ghclient.RunnerGroup, selected []ghclient.Repository) bool {
	switch {
	case g.Name != string(p.Name),
		g.Visibility != string(visibility(p)),
		g.AllowsPublicRepositories != p.AllowsPublicRepositories,
		g.RestrictedToWorkflows != p.RestrictedToWorkflows:
		return false
	}
	// GitHub's API cannot empty the list of selected workflows (an empty
	// list is not sent), so only a list the spec gives is compared.
	if p.RestrictedToWorkflows && len(p.SelectedWorkflows) > 0 {
		want := make([]string, 0, len(p.SelectedWorkflows))
		for _, w := range p.SelectedWorkflows {
			want = append(want, string(w))
		}
		if !sameSet(want, g.SelectedWorkflows, false) {
			return false
		}
	}
	if visibility(p) == v1alpha1.RunnerGroupVisibilitySelected {
		want := make([]string, 0, len(p.SelectedRepositories))
		for _, r := range p.SelectedRepositories {
			want = append(want, string(r))
		}
		got := make([]string, 0, len(selected))
		for _, r := range selected {
			got = append(got, r.Name)
		}
		// Repository names are case-insensitive at GitHub.
		if !sameSet(want, got, true) {
			return false
		}
	}
	return true
}

// sameSet tells whether a and b hold the same strings, in any order.
func sameSet(a, b []string, foldCase bool) bool {
	norm := func(in []string) []string {
		out := make([]string, 0, len(in))
		for _, s := range in {
			if foldCase {
				s = strings.ToLower(s)
			}
			out = append(out, s)
		}
		slices.Sort(out)
		return slices.Compact(out)
	}
	return slices.Equal(norm(a), norm(b))
}

func observation(g *ghclient.RunnerGroup, selected []ghclient.Repository) v1alpha1.RunnerGroupObservation {
	o := v1alpha1.RunnerGroupObservation{
		ID:                       g.ID,
		Name:                     g.Name,
		Visibility:               g.Visibility,
		Default:                  &g.Default,
		Inherited:                &g.Inherited,
		AllowsPublicRepositories: &g.AllowsPublicRepositories,
		RestrictedToWorkflows:    &g.RestrictedToWorkflows,
		SelectedWorkflows:        g.SelectedWorkflows,
	}
	for _, r := range selected {
		o.SelectedRepositoryIDs = append(o.SelectedRepositoryIDs, r.ID)
	}
	slices.Sort(o.SelectedRepositoryIDs)
	return o
}
