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

package runnergroup

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/crossplane/crossplane-runtime/v2/pkg/meta"
	"github.com/crossplane/crossplane-runtime/v2/pkg/reconciler/managed"
	"github.com/crossplane/crossplane-runtime/v2/pkg/resource"
	"github.com/crossplane/crossplane-runtime/v2/pkg/test"
	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	gh "github.com/google/go-github/v90/github"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	"github.com/arc-crossplane/provider-github-arc/apis/actions/v1alpha1"
	arcv1alpha1 "github.com/arc-crossplane/provider-github-arc/apis/arc/v1alpha1"
	"github.com/arc-crossplane/provider-github-arc/internal/clients"
	ghclient "github.com/arc-crossplane/provider-github-arc/internal/clients/github"
	"github.com/arc-crossplane/provider-github-arc/internal/controller"
)

var errBoom = errors.New("boom")

// fakeGitHub is a RunnerGroupClient whose every call is a function field; a
// call the test did not expect fails it through a nil function.
type fakeGitHub struct {
	list        func(ctx context.Context) ([]ghclient.RunnerGroup, error)
	get         func(ctx context.Context, id int64) (*ghclient.RunnerGroup, error)
	getByName   func(ctx context.Context, name string) (*ghclient.RunnerGroup, error)
	create      func(ctx context.Context, p ghclient.RunnerGroupParameters) (*ghclient.RunnerGroup, error)
	update      func(ctx context.Context, id int64, p ghclient.RunnerGroupParameters) (*ghclient.RunnerGroup, error)
	del         func(ctx context.Context, id int64) error
	listRepos   func(ctx context.Context, groupID int64) ([]ghclient.Repository, error)
	setRepos    func(ctx context.Context, groupID int64, ids []int64) error
	resolveRepo func(ctx context.Context, names []string) (map[string]int64, error)

	// called lists the methods called, in order.
	called []string
}

var _ ghclient.RunnerGroupClient = &fakeGitHub{}

func (f *fakeGitHub) ListRunnerGroups(ctx context.Context) ([]ghclient.RunnerGroup, error) {
	f.called = append(f.called, "ListRunnerGroups")
	return f.list(ctx)
}

func (f *fakeGitHub) GetRunnerGroup(ctx context.Context, id int64) (*ghclient.RunnerGroup, error) {
	f.called = append(f.called, "GetRunnerGroup")
	return f.get(ctx, id)
}

func (f *fakeGitHub) GetRunnerGroupByName(ctx context.Context, name string) (*ghclient.RunnerGroup, error) {
	f.called = append(f.called, "GetRunnerGroupByName")
	return f.getByName(ctx, name)
}

func (f *fakeGitHub) CreateRunnerGroup(ctx context.Context, p ghclient.RunnerGroupParameters) (*ghclient.RunnerGroup, error) {
	f.called = append(f.called, "CreateRunnerGroup")
	return f.create(ctx, p)
}

func (f *fakeGitHub) UpdateRunnerGroup(ctx context.Context, id int64, p ghclient.RunnerGroupParameters) (*ghclient.RunnerGroup, error) {
	f.called = append(f.called, "UpdateRunnerGroup")
	return f.update(ctx, id, p)
}

func (f *fakeGitHub) DeleteRunnerGroup(ctx context.Context, id int64) error {
	f.called = append(f.called, "DeleteRunnerGroup")
	return f.del(ctx, id)
}

func (f *fakeGitHub) ListSelectedRepositories(ctx context.Context, groupID int64) ([]ghclient.Repository, error) {
	f.called = append(f.called, "ListSelectedRepositories")
	return f.listRepos(ctx, groupID)
}

func (f *fakeGitHub) SetSelectedRepositories(ctx context.Context, groupID int64, ids []int64) error {
	f.called = append(f.called, "SetSelectedRepositories")
	return f.setRepos(ctx, groupID, ids)
}

func (f *fakeGitHub) ResolveRepositoryIDs(ctx context.Context, names []string) (map[string]int64, error) {
	f.called = append(f.called, "ResolveRepositoryIDs")
	return f.resolveRepo(ctx, names)
}

type groupOption func(*v1alpha1.RunnerGroup)

func group(opts ...groupOption) *v1alpha1.RunnerGroup {
	cr := &v1alpha1.RunnerGroup{
		ObjectMeta: metav1.ObjectMeta{Name: "team-a", Namespace: "team-a"},
		Spec: v1alpha1.RunnerGroupSpec{ForProvider: v1alpha1.RunnerGroupParameters{
			Name:       "team-a",
			Visibility: v1alpha1.RunnerGroupVisibilityAll,
		}},
	}
	for _, o := range opts {
		o(cr)
	}
	return cr
}

func withExternalName(n string) groupOption {
	return func(cr *v1alpha1.RunnerGroup) { meta.SetExternalName(cr, n) }
}

func withParams(f func(*v1alpha1.RunnerGroupParameters)) groupOption {
	return func(cr *v1alpha1.RunnerGroup) { f(&cr.Spec.ForProvider) }
}

func withConditions(c ...xpv2.Condition) groupOption {
	return func(cr *v1alpha1.RunnerGroup) { cr.SetConditions(c...) }
}

func withObservation(o v1alpha1.RunnerGroupObservation) groupOption {
	return func(cr *v1alpha1.RunnerGroup) { cr.Status.AtProvider = o }
}

func ptr[T any](v T) *T { return &v }

// deleted is the deletion time of resources being deleted.
var deleted = metav1.Unix(1700000000, 0)

// atGitHub is the group "team-a" (id 42) as GitHub reports it when it matches
// group().
func atGitHub() *ghclient.RunnerGroup {
	return &ghclient.RunnerGroup{ID: 42, Name: "team-a", Visibility: "all"}
}

func observed(g *ghclient.RunnerGroup, repoIDs ...int64) v1alpha1.RunnerGroupObservation {
	return v1alpha1.RunnerGroupObservation{
		ID: g.ID, Name: g.Name, Visibility: g.Visibility, Default: ptr(g.Default), Inherited: ptr(g.Inherited),
		AllowsPublicRepositories: ptr(g.AllowsPublicRepositories), RestrictedToWorkflows: ptr(g.RestrictedToWorkflows),
		SelectedWorkflows: g.SelectedWorkflows, SelectedRepositoryIDs: repoIDs,
	}
}

func notFound(string) error { return &ghclient.NotFoundError{What: "runner group"} }

// errText is what a person reads of err in the Synced condition; errors are
// compared by it.
func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// cmpResource ignores condition timestamps.
var cmpResource = []cmp.Option{test.EquateConditions(), cmpopts.EquateEmpty()}

func TestObserve(t *testing.T) {
	type want struct {
		obs managed.ExternalObservation
		cr  *v1alpha1.RunnerGroup
		err error
	}
	cases := map[string]struct {
		reason     string
		gh         *fakeGitHub
		enterprise bool
		cr         *v1alpha1.RunnerGroup
		want       want
	}{
		"NotFoundByName": {
			reason: "Without an external name a group that GitHub does not have by name must be created.",
			gh: &fakeGitHub{getByName: func(_ context.Context, name string) (*ghclient.RunnerGroup, error) {
				return nil, notFound(name)
			}},
			cr:   group(),
			want: want{obs: managed.ExternalObservation{ResourceExists: false}, cr: group()},
		},
		"FoundByNameAdopts": {
			reason: "Without an external name (say, the provider restarted before it was written) a group of that name is adopted, not created again.",
			gh: &fakeGitHub{getByName: func(_ context.Context, name string) (*ghclient.RunnerGroup, error) {
				if name != "team-a" {
					return nil, notFound(name)
				}
				return atGitHub(), nil
			}},
			cr: group(),
			want: want{
				obs: managed.ExternalObservation{ResourceExists: true, ResourceUpToDate: true, ResourceLateInitialized: true},
				cr:  group(withExternalName("42"), withObservation(observed(atGitHub())), withConditions(xpv2.Available())),
			},
		},
		"FoundByIDUpToDate": {
			reason: "A group whose every field matches the spec is up to date.",
			gh: &fakeGitHub{get: func(_ context.Context, id int64) (*ghclient.RunnerGroup, error) {
				if id != 42 {
					return nil, notFound("")
				}
				return atGitHub(), nil
			}},
			cr: group(withExternalName("42")),
			want: want{
				obs: managed.ExternalObservation{ResourceExists: true, ResourceUpToDate: true},
				cr:  group(withExternalName("42"), withObservation(observed(atGitHub())), withConditions(xpv2.Available())),
			},
		},
		"GoneByID": {
			reason: "A group deleted at GitHub does not exist, so it is created again.",
			gh: &fakeGitHub{get: func(_ context.Context, _ int64) (*ghclient.RunnerGroup, error) {
				return nil, notFound("")
			}},
			cr:   group(withExternalName("42")),
			want: want{obs: managed.ExternalObservation{ResourceExists: false}, cr: group(withExternalName("42"))},
		},
		"BadExternalName": {
			reason: "An external name that is not a number says how to fix it.",
			gh:     &fakeGitHub{},
			cr:     group(withExternalName("team-a")),
			want:   want{cr: group(withExternalName("team-a")), err: errors.New(`external name "team-a" is not a runner group id: set the crossplane.io/external-name annotation to the group's numeric id, or remove it to find the group by name`)},
		},
		"DriftVisibility": {
			reason: "A visibility changed at GitHub is reported as drift.",
			gh: &fakeGitHub{get: func(context.Context, int64) (*ghclient.RunnerGroup, error) {
				g := atGitHub()
				g.Visibility = "private"
				return g, nil
			}},
			cr: group(withExternalName("42")),
			want: want{
				obs: managed.ExternalObservation{ResourceExists: true, ResourceUpToDate: false},
				cr: group(withExternalName("42"), withConditions(xpv2.Available()), withObservation(func() v1alpha1.RunnerGroupObservation {
					g := atGitHub()
					g.Visibility = "private"
					return observed(g)
				}())),
			},
		},
		"DriftWorkflows": {
			reason: "Selected workflows changed at GitHub are reported as drift.",
			gh: &fakeGitHub{get: func(context.Context, int64) (*ghclient.RunnerGroup, error) {
				g := atGitHub()
				g.RestrictedToWorkflows = true
				g.SelectedWorkflows = []string{"o/r/.github/workflows/a.yml@main"}
				return g, nil
			}},
			cr: group(withExternalName("42"), withParams(func(p *v1alpha1.RunnerGroupParameters) {
				p.RestrictedToWorkflows = true
				p.SelectedWorkflows = []v1alpha1.WorkflowRef{"o/r/.github/workflows/b.yml@main"}
			})),
			want: want{
				obs: managed.ExternalObservation{ResourceExists: true, ResourceUpToDate: false},
				cr: group(withExternalName("42"), withConditions(xpv2.Available()), withParams(func(p *v1alpha1.RunnerGroupParameters) {
					p.RestrictedToWorkflows = true
					p.SelectedWorkflows = []v1alpha1.WorkflowRef{"o/r/.github/workflows/b.yml@main"}
				}), withObservation(func() v1alpha1.RunnerGroupObservation {
					g := atGitHub()
					g.RestrictedToWorkflows = true
					g.SelectedWorkflows = []string{"o/r/.github/workflows/a.yml@main"}
					return observed(g)
				}())),
			},
		},
		"SelectedRepositoriesMatchCaseInsensitively": {
			reason: "Selected repositories are compared by name, as GitHub does, without case.",
			gh: &fakeGitHub{
				get: func(context.Context, int64) (*ghclient.RunnerGroup, error) {
					g := atGitHub()
					g.Visibility = "selected"
					return g, nil
				},
				listRepos: func(context.Context, int64) ([]ghclient.Repository, error) {
					return []ghclient.Repository{{ID: 7, Name: "API"}, {ID: 3, Name: "web"}}, nil
				},
			},
			cr: group(withExternalName("42"), withParams(func(p *v1alpha1.RunnerGroupParameters) {
				p.Visibility = v1alpha1.RunnerGroupVisibilitySelected
				p.SelectedRepositories = []v1alpha1.RepositoryName{"web", "api"}
			})),
			want: want{
				obs: managed.ExternalObservation{ResourceExists: true, ResourceUpToDate: true},
				cr: group(withExternalName("42"), withConditions(xpv2.Available()), withParams(func(p *v1alpha1.RunnerGroupParameters) {
					p.Visibility = v1alpha1.RunnerGroupVisibilitySelected
					p.SelectedRepositories = []v1alpha1.RepositoryName{"web", "api"}
				}), withObservation(func() v1alpha1.RunnerGroupObservation {
					g := atGitHub()
					g.Visibility = "selected"
					return observed(g, 3, 7)
				}())),
			},
		},
		"DriftSelectedRepositories": {
			reason: "A repository removed from the group at GitHub is reported as drift.",
			gh: &fakeGitHub{
				get: func(context.Context, int64) (*ghclient.RunnerGroup, error) {
					g := atGitHub()
					g.Visibility = "selected"
					return g, nil
				},
				listRepos: func(context.Context, int64) ([]ghclient.Repository, error) {
					return []ghclient.Repository{{ID: 3, Name: "web"}}, nil
				},
			},
			cr: group(withExternalName("42"), withParams(func(p *v1alpha1.RunnerGroupParameters) {
				p.Visibility = v1alpha1.RunnerGroupVisibilitySelected
				p.SelectedRepositories = []v1alpha1.RepositoryName{"web", "api"}
			})),
			want: want{
				obs: managed.ExternalObservation{ResourceExists: true, ResourceUpToDate: false},
				cr: group(withExternalName("42"), withConditions(xpv2.Available()), withParams(func(p *v1alpha1.RunnerGroupParameters) {
					p.Visibility = v1alpha1.RunnerGroupVisibilitySelected
					p.SelectedRepositories = []v1alpha1.RepositoryName{"web", "api"}
				}), withObservation(func() v1alpha1.RunnerGroupObservation {
					g := atGitHub()
					g.Visibility = "selected"
					return observed(g, 3)
				}())),
			},
		},
		"DeletingReportsTruth": {
			reason: "During deletion Observe still reports that the group exists, so it is deleted at GitHub.",
			gh:     &fakeGitHub{get: func(context.Context, int64) (*ghclient.RunnerGroup, error) { return atGitHub(), nil }},
			cr: group(withExternalName("42"), func(cr *v1alpha1.RunnerGroup) {
				cr.SetDeletionTimestamp(&deleted)
			}),
			want: want{
				obs: managed.ExternalObservation{ResourceExists: true, ResourceUpToDate: true},
				cr: group(withExternalName("42"), withObservation(observed(atGitHub())), withConditions(xpv2.Available()), func(cr *v1alpha1.RunnerGroup) {
					cr.SetDeletionTimestamp(&deleted)
				}),
			},
		},
		"GetError": {
			reason: "An error of GitHub is returned, wrapped.",
			gh:     &fakeGitHub{get: func(context.Context, int64) (*ghclient.RunnerGroup, error) { return nil, errBoom }},
			cr:     group(withExternalName("42")),
			want:   want{cr: group(withExternalName("42")), err: errors.New(errObserve + ": boom")},
		},
		"EnterpriseSelectedOrganizations": {
			reason:     "Selected organizations of an enterprise group are refused with a message, not silently ignored.",
			gh:         &fakeGitHub{},
			enterprise: true,
			cr: group(withParams(func(p *v1alpha1.RunnerGroupParameters) {
				p.Visibility = v1alpha1.RunnerGroupVisibilitySelected
				p.SelectedOrganizations = []v1alpha1.OrganizationName{"octo"}
			})),
			want: want{
				cr: group(withParams(func(p *v1alpha1.RunnerGroupParameters) {
					p.Visibility = v1alpha1.RunnerGroupVisibilitySelected
					p.SelectedOrganizations = []v1alpha1.OrganizationName{"octo"}
				})),
				err: errors.New(errSelectedOrgs),
			},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			e := &external{gh: tc.gh, enterprise: tc.enterprise}
			got, err := e.Observe(t.Context(), tc.cr)
			if diff := cmp.Diff(errText(tc.want.err), errText(err)); diff != "" {
				t.Errorf("%s\nObserve(...): -want error, +got error:\n%s", tc.reason, diff)
			}
			if diff := cmp.Diff(tc.want.obs, got); diff != "" {
				t.Errorf("%s\nObserve(...): -want, +got:\n%s", tc.reason, diff)
			}
			if diff := cmp.Diff(tc.want.cr, tc.cr, cmpResource...); diff != "" {
				t.Errorf("%s\nObserve(...): -want resource, +got resource:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestCreate(t *testing.T) {
	type want struct {
		cr  *v1alpha1.RunnerGroup
		err error
	}
	cases := map[string]struct {
		reason string
		gh     *fakeGitHub
		cr     *v1alpha1.RunnerGroup
		want   want
	}{
		"Created": {
			reason: "A created group's id becomes the external name; every field is sent.",
			gh: &fakeGitHub{create: func(_ context.Context, p ghclient.RunnerGroupParameters) (*ghclient.RunnerGroup, error) {
				want := ghclient.RunnerGroupParameters{
					Name: "team-a", Visibility: "all", AllowsPublicRepositories: ptr(true), RestrictedToWorkflows: ptr(true),
					SelectedWorkflows: []string{"o/r/.github/workflows/a.yml@main"},
				}
				if diff := cmp.Diff(want, p); diff != "" {
					return nil, errors.New(diff)
				}
				return &ghclient.RunnerGroup{ID: 42}, nil
			}},
			cr: group(withParams(func(p *v1alpha1.RunnerGroupParameters) {
				p.AllowsPublicRepositories = true
				p.RestrictedToWorkflows = true
				p.SelectedWorkflows = []v1alpha1.WorkflowRef{"o/r/.github/workflows/a.yml@main"}
			})),
			want: want{cr: group(withExternalName("42"), withParams(func(p *v1alpha1.RunnerGroupParameters) {
				p.AllowsPublicRepositories = true
				p.RestrictedToWorkflows = true
				p.SelectedWorkflows = []v1alpha1.WorkflowRef{"o/r/.github/workflows/a.yml@main"}
			}))},
		},
		"SelectedRepositoriesResolved": {
			reason: "Selected repositories are sent as the ids their names resolve to.",
			gh: &fakeGitHub{
				resolveRepo: func(_ context.Context, names []string) (map[string]int64, error) {
					return map[string]int64{"api": 7, "web": 3}, nil
				},
				create: func(_ context.Context, p ghclient.RunnerGroupParameters) (*ghclient.RunnerGroup, error) {
					if diff := cmp.Diff([]int64{3, 7}, p.SelectedRepositoryIDs); diff != "" {
						return nil, errors.New(diff)
					}
					return &ghclient.RunnerGroup{ID: 43}, nil
				},
			},
			cr: group(withParams(func(p *v1alpha1.RunnerGroupParameters) {
				p.Visibility = v1alpha1.RunnerGroupVisibilitySelected
				p.SelectedRepositories = []v1alpha1.RepositoryName{"api", "web"}
			})),
			want: want{cr: group(withExternalName("43"), withParams(func(p *v1alpha1.RunnerGroupParameters) {
				p.Visibility = v1alpha1.RunnerGroupVisibilitySelected
				p.SelectedRepositories = []v1alpha1.RepositoryName{"api", "web"}
			}))},
		},
		"UnknownRepository": {
			reason: "A repository name that does not resolve is reported, and nothing is created.",
			gh: &fakeGitHub{resolveRepo: func(context.Context, []string) (map[string]int64, error) {
				return nil, &ghclient.NotFoundError{What: "repositories nope"}
			}},
			cr: group(withParams(func(p *v1alpha1.RunnerGroupParameters) {
				p.Visibility = v1alpha1.RunnerGroupVisibilitySelected
				p.SelectedRepositories = []v1alpha1.RepositoryName{"nope"}
			})),
			want: want{
				cr: group(withParams(func(p *v1alpha1.RunnerGroupParameters) {
					p.Visibility = v1alpha1.RunnerGroupVisibilitySelected
					p.SelectedRepositories = []v1alpha1.RepositoryName{"nope"}
				})),
				err: errors.New(errResolveRepos + ": repositories nope not found"),
			},
		},
		"AlreadyExistsAdopts": {
			reason: "A name taken since Observe (GitHub's 422 already_exists) is adopted rather than failing forever.",
			gh: &fakeGitHub{
				create: func(context.Context, ghclient.RunnerGroupParameters) (*ghclient.RunnerGroup, error) {
					return nil, &gh.ErrorResponse{Response: &http.Response{StatusCode: http.StatusUnprocessableEntity}, Errors: []gh.Error{{Code: "already_exists"}}}
				},
				getByName: func(_ context.Context, name string) (*ghclient.RunnerGroup, error) {
					if name != "team-a" {
						return nil, notFound(name)
					}
					return atGitHub(), nil
				},
			},
			cr:   group(),
			want: want{cr: group(withExternalName("42"))},
		},
		"CreateError": {
			reason: "A failed create is returned, wrapped, without an external name.",
			gh: &fakeGitHub{create: func(context.Context, ghclient.RunnerGroupParameters) (*ghclient.RunnerGroup, error) {
				return nil, errBoom
			}},
			cr:   group(),
			want: want{cr: group(), err: errors.New(errCreate + ": boom")},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			e := &external{gh: tc.gh}
			_, err := e.Create(t.Context(), tc.cr)
			if diff := cmp.Diff(errText(tc.want.err), errText(err)); diff != "" {
				t.Errorf("%s\nCreate(...): -want error, +got error:\n%s", tc.reason, diff)
			}
			if diff := cmp.Diff(tc.want.cr, tc.cr, cmpResource...); diff != "" {
				t.Errorf("%s\nCreate(...): -want resource, +got resource:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestUpdate(t *testing.T) {
	cases := map[string]struct {
		reason string
		gh     *fakeGitHub
		cr     *v1alpha1.RunnerGroup
		want   error
		// calls are the methods the fake must see, in order.
		calls []string
	}{
		"PutsBackEveryField": {
			reason: "Update sends every field of the spec, booleans included, so a value changed at GitHub is put back.",
			gh: &fakeGitHub{update: func(_ context.Context, id int64, p ghclient.RunnerGroupParameters) (*ghclient.RunnerGroup, error) {
				want := ghclient.RunnerGroupParameters{Name: "team-a", Visibility: "all", AllowsPublicRepositories: ptr(false), RestrictedToWorkflows: ptr(false)}
				if diff := cmp.Diff(want, p); id != 42 || diff != "" {
					return nil, errors.New(diff)
				}
				return atGitHub(), nil
			}},
			cr:    group(withExternalName("42")),
			calls: []string{"UpdateRunnerGroup"},
		},
		"SetsSelectedRepositories": {
			reason: "With visibility selected, the repositories are set as well.",
			gh: &fakeGitHub{
				resolveRepo: func(context.Context, []string) (map[string]int64, error) { return map[string]int64{"api": 7}, nil },
				update: func(context.Context, int64, ghclient.RunnerGroupParameters) (*ghclient.RunnerGroup, error) {
					return atGitHub(), nil
				},
				setRepos: func(_ context.Context, id int64, ids []int64) error {
					if diff := cmp.Diff([]int64{7}, ids); id != 42 || diff != "" {
						return errors.New(diff)
					}
					return nil
				},
			},
			cr: group(withExternalName("42"), withParams(func(p *v1alpha1.RunnerGroupParameters) {
				p.Visibility = v1alpha1.RunnerGroupVisibilitySelected
				p.SelectedRepositories = []v1alpha1.RepositoryName{"api"}
			})),
			calls: []string{"ResolveRepositoryIDs", "UpdateRunnerGroup", "SetSelectedRepositories"},
		},
		"UpdateError": {
			reason: "A failed update is returned, wrapped.",
			gh: &fakeGitHub{update: func(context.Context, int64, ghclient.RunnerGroupParameters) (*ghclient.RunnerGroup, error) {
				return nil, errBoom
			}},
			cr:    group(withExternalName("42")),
			want:  errors.New(errUpdate + ": boom"),
			calls: []string{"UpdateRunnerGroup"},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			e := &external{gh: tc.gh}
			_, err := e.Update(t.Context(), tc.cr)
			if diff := cmp.Diff(errText(tc.want), errText(err)); diff != "" {
				t.Errorf("%s\nUpdate(...): -want error, +got error:\n%s", tc.reason, diff)
			}
			if diff := cmp.Diff(tc.calls, tc.gh.called); diff != "" {
				t.Errorf("%s\nUpdate(...): -want calls, +got calls:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestDelete(t *testing.T) {
	cases := map[string]struct {
		reason string
		gh     *fakeGitHub
		cr     *v1alpha1.RunnerGroup
		want   error
		// calls are the methods the fake must see, in order.
		calls []string
	}{
		"Deleted": {
			reason: "The group of the external name is deleted.",
			gh: &fakeGitHub{del: func(_ context.Context, id int64) error {
				if id != 42 {
					return errBoom
				}
				return nil
			}},
			cr:    group(withExternalName("42")),
			calls: []string{"DeleteRunnerGroup"},
		},
		"AlreadyGone": {
			reason: "A group already gone at GitHub is deleted.",
			gh:     &fakeGitHub{del: func(context.Context, int64) error { return &ghclient.NotFoundError{What: "runner group"} }},
			cr:     group(withExternalName("42")),
			calls:  []string{"DeleteRunnerGroup"},
		},
		"DefaultGroupRefused": {
			reason: "The Default group is never deleted, and the message says what to do instead.",
			gh:     &fakeGitHub{},
			cr:     group(withExternalName("1")),
			want:   errors.New(errDeleteDefault),
		},
		"DeleteError": {
			reason: "A failed delete is returned, wrapped.",
			gh:     &fakeGitHub{del: func(context.Context, int64) error { return errBoom }},
			cr:     group(withExternalName("42")),
			want:   errors.New(errDelete + ": boom"),
			calls:  []string{"DeleteRunnerGroup"},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			e := &external{gh: tc.gh}
			_, err := e.Delete(t.Context(), tc.cr)
			if diff := cmp.Diff(errText(tc.want), errText(err)); diff != "" {
				t.Errorf("%s\nDelete(...): -want error, +got error:\n%s", tc.reason, diff)
			}
			if diff := cmp.Diff(tc.calls, tc.gh.called); diff != "" {
				t.Errorf("%s\nDelete(...): -want calls, +got calls:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestConnect(t *testing.T) {
	scheme := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	if err := arcv1alpha1.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	config := func(name, url string) *arcv1alpha1.ProviderConfig {
		return &arcv1alpha1.ProviderConfig{
			ObjectMeta: metav1.ObjectMeta{Namespace: "team-a", Name: name},
			Spec: arcv1alpha1.ProviderConfigSpec{
				GitHubConfigURL: arcv1alpha1.GitHubConfigURL(url),
				Credentials:     arcv1alpha1.Credentials{Type: arcv1alpha1.CredentialsTypePAT, SecretRef: xpv2.LocalSecretReference{Name: "gh"}},
			},
		}
	}
	pc := config("github", "https://github.com/octo")
	enterprisePC := config("enterprise", "https://github.com/enterprises/octo-ent")
	secret := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: "team-a", Name: "gh"}, Data: map[string][]byte{"github_token": []byte("ghp_x")}}
	withConfig := func(name string) groupOption {
		return func(cr *v1alpha1.RunnerGroup) {
			cr.SetProviderConfigReference(&xpv2.ProviderConfigReference{Kind: arcv1alpha1.ProviderConfigKind, Name: name})
		}
	}
	tracked := resource.ModernTrackerFn(func(context.Context, resource.ModernManaged) error { return nil })
	rest := &fakeGitHub{}
	built := func(url string) controller.GitHubClientFactory {
		return func(_ context.Context, cfg *clients.Config) (ghclient.RunnerGroupClient, error) {
			if cfg.Token != "ghp_x" || cfg.ConfigURL != url {
				return nil, errors.New("unexpected configuration")
			}
			return rest, nil
		}
	}

	type want struct {
		ext *external
		err error
	}
	cases := map[string]struct {
		reason    string
		kube      []client.Object
		usage     resource.ModernTracker
		newClient controller.GitHubClientFactory
		cr        *v1alpha1.RunnerGroup
		want      want
	}{
		"Connected": {
			reason:    "The client is built from the configuration the resource names, read with its Secret.",
			kube:      []client.Object{pc, secret},
			usage:     tracked,
			newClient: built("https://github.com/octo"),
			cr:        group(withConfig("github")),
			want:      want{ext: &external{gh: rest}},
		},
		"ConnectedToEnterprise": {
			reason:    "A configuration of an enterprise manages the enterprise's groups.",
			kube:      []client.Object{enterprisePC, secret},
			usage:     tracked,
			newClient: built("https://github.com/enterprises/octo-ent"),
			cr:        group(withConfig("enterprise")),
			want:      want{ext: &external{gh: rest, enterprise: true}},
		},
		"UsageNotTracked": {
			reason: "Nothing is called before the usage is recorded.",
			usage:  resource.ModernTrackerFn(func(context.Context, resource.ModernManaged) error { return errBoom }),
			cr:     group(withConfig("github")),
			want:   want{err: errors.New("cannot track ProviderConfig usage: boom")},
		},
		"MissingConfig": {
			reason: "A configuration that does not exist is named.",
			usage:  tracked,
			cr:     group(withConfig("github")),
			want:   want{err: errors.New(`cannot resolve provider configuration: cannot get ProviderConfig "team-a/github": providerconfigs.arc.crossplane.io "github" not found`)},
		},
		"ClientError": {
			reason:    "A client that cannot be built is reported.",
			kube:      []client.Object{pc, secret},
			usage:     tracked,
			newClient: func(context.Context, *clients.Config) (ghclient.RunnerGroupClient, error) { return nil, errBoom },
			cr:        group(withConfig("github")),
			want:      want{err: errors.New(errNewClient + ": boom")},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			c := controller.NewConnector(fake.NewClientBuilder().WithScheme(scheme).WithObjects(tc.kube...).Build(), tc.usage, connect(tc.newClient))
			got, err := c.Connect(t.Context(), tc.cr)
			if diff := cmp.Diff(errText(tc.want.err), errText(err)); diff != "" {
				t.Errorf("%s\nConnect(...): -want error, +got error:\n%s", tc.reason, diff)
			}
			if tc.want.ext == nil {
				return
			}
			ext, ok := got.(*external)
			if !ok || ext.gh != tc.want.ext.gh || ext.enterprise != tc.want.ext.enterprise {
				t.Errorf("%s\nConnect(...): want %+v, got %+v", tc.reason, tc.want.ext, got)
			}
		})
	}
}
