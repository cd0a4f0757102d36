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

package runnerscaleset

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/actions/scaleset"
	"github.com/crossplane/crossplane-runtime/v2/pkg/meta"
	"github.com/crossplane/crossplane-runtime/v2/pkg/reconciler/managed"
	"github.com/crossplane/crossplane-runtime/v2/pkg/test"
	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/arc-crossplane/provider-github-arc/apis/actions/v1alpha1"
	"github.com/arc-crossplane/provider-github-arc/internal/clients"
	"github.com/arc-crossplane/provider-github-arc/internal/clients/actions"
	"github.com/arc-crossplane/provider-github-arc/internal/controller"
)

var errBoom = errors.New("boom")

// fakeService is an actions.Client whose every call the test needs is a
// function field; runner calls are not used by this controller.
type fakeService struct {
	actions.Client // nil: a call the test did not expect panics

	groupByName func(ctx context.Context, name string) (*actions.RunnerGroup, error)
	get         func(ctx context.Context, groupID int, name string) (*actions.ScaleSet, error)
	getByID     func(ctx context.Context, id int) (*actions.ScaleSet, error)
	create      func(ctx context.Context, spec actions.ScaleSetSpec) (*actions.ScaleSet, error)
	update      func(ctx context.Context, id int, spec actions.ScaleSetSpec) (*actions.ScaleSet, error)
	del         func(ctx context.Context, id int) error

	// called lists the methods called, in order.
	called []string
}

func (f *fakeService) GetRunnerGroupByName(ctx context.Context, name string) (*actions.RunnerGroup, error) {
	f.called = append(f.called, "GetRunnerGroupByName")
	return f.groupByName(ctx, name)
}

func (f *fakeService) GetScaleSet(ctx context.Context, groupID int, name string) (*actions.ScaleSet, error) {
	f.called = append(f.called, "GetScaleSet")
	return f.get(ctx, groupID, name)
}

func (f *fakeService) GetScaleSetByID(ctx context.Context, id int) (*actions.ScaleSet, error) {
	f.called = append(f.called, "GetScaleSetByID")
	return f.getByID(ctx, id)
}

func (f *fakeService) CreateScaleSet(ctx context.Context, spec actions.ScaleSetSpec) (*actions.ScaleSet, error) {
	f.called = append(f.called, "CreateScaleSet")
	return f.create(ctx, spec)
}

func (f *fakeService) UpdateScaleSet(ctx context.Context, id int, spec actions.ScaleSetSpec) (*actions.ScaleSet, error) {
	f.called = append(f.called, "UpdateScaleSet")
	return f.update(ctx, id, spec)
}

func (f *fakeService) DeleteScaleSet(ctx context.Context, id int) error {
	f.called = append(f.called, "DeleteScaleSet")
	return f.del(ctx, id)
}

type scaleSetOption func(*v1alpha1.RunnerScaleSet)

func scaleSet(opts ...scaleSetOption) *v1alpha1.RunnerScaleSet {
	cr := &v1alpha1.RunnerScaleSet{
		ObjectMeta: metav1.ObjectMeta{Name: "linux", Namespace: "team-a"},
		Spec: v1alpha1.RunnerScaleSetSpec{ForProvider: v1alpha1.RunnerScaleSetParameters{
			Name:   "linux",
			Labels: []v1alpha1.RunnerLabel{"x64"},
		}},
	}
	for _, o := range opts {
		o(cr)
	}
	return cr
}

func withExternalName(n string) scaleSetOption {
	return func(cr *v1alpha1.RunnerScaleSet) { meta.SetExternalName(cr, n) }
}

func withParams(f func(*v1alpha1.RunnerScaleSetParameters)) scaleSetOption {
	return func(cr *v1alpha1.RunnerScaleSet) { f(&cr.Spec.ForProvider) }
}

func withObservation(ss *actions.ScaleSet) scaleSetOption {
	return func(cr *v1alpha1.RunnerScaleSet) {
		cr.Status.AtProvider = observation(ss)
		cr.SetConditions(xpv2.Available())
	}
}

func ptr[T any](v T) *T { return &v }

// deleted is the deletion time of resources being deleted.
var deleted = metav1.Unix(1700000000, 0)

// inService is the scale set "linux" (id 7) in the Default group, as the
// service reports it when it matches scaleSet().
func inService() *actions.ScaleSet {
	return &actions.ScaleSet{
		ID: 7, Name: "linux", RunnerGroupID: 1, RunnerGroupName: "Default", Labels: []string{"linux", "x64"},
		Statistics: &scaleset.RunnerScaleSetStatistic{TotalAssignedJobs: 2, TotalRegisteredRunners: 3},
	}
}

func notFound() error { return fmt.Errorf("lookup: %w", actions.ErrNotFound) }

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

var cmpResource = []cmp.Option{test.EquateConditions(), cmpopts.EquateEmpty()}

func TestObserve(t *testing.T) {
	type want struct {
		obs managed.ExternalObservation
		cr  *v1alpha1.RunnerScaleSet
		err error
	}
	cases := map[string]struct {
		reason string
		svc    *fakeService
		cr     *v1alpha1.RunnerScaleSet
		want   want
	}{
		"NotFoundByName": {
			reason: "Without an external name a scale set the group does not have must be created.",
			svc: &fakeService{get: func(_ context.Context, groupID int, _ string) (*actions.ScaleSet, error) {
				if groupID != 1 {
					return nil, errBoom
				}
				return nil, notFound()
			}},
			cr:   scaleSet(),
			want: want{cr: scaleSet()},
		},
		"FoundByNameAdopts": {
			reason: "Without an external name (say, the provider restarted before writing it) the scale set of that name in its group is adopted.",
			svc:    &fakeService{get: func(context.Context, int, string) (*actions.ScaleSet, error) { return inService(), nil }},
			cr:     scaleSet(),
			want: want{
				obs: managed.ExternalObservation{ResourceExists: true, ResourceUpToDate: true, ResourceLateInitialized: true},
				cr:  scaleSet(withExternalName("7"), withObservation(inService())),
			},
		},
		"UpToDateWithStatistics": {
			reason: "A matching scale set is up to date; its statistics are in the status.",
			svc: &fakeService{getByID: func(_ context.Context, id int) (*actions.ScaleSet, error) {
				if id != 7 {
					return nil, notFound()
				}
				return inService(), nil
			}},
			cr: scaleSet(withExternalName("7")),
			want: want{
				obs: managed.ExternalObservation{ResourceExists: true, ResourceUpToDate: true},
				cr: scaleSet(withExternalName("7"), withObservation(inService()), func(cr *v1alpha1.RunnerScaleSet) {
					cr.Status.AtProvider.Statistics = &v1alpha1.RunnerScaleSetStatistics{TotalAssignedJobs: 2, TotalRegisteredRunners: 3}
				}),
			},
		},
		"GoneByID": {
			reason: "A scale set deleted in the service does not exist.",
			svc:    &fakeService{getByID: func(context.Context, int) (*actions.ScaleSet, error) { return nil, notFound() }},
			cr:     scaleSet(withExternalName("7")),
			want:   want{cr: scaleSet(withExternalName("7"))},
		},
		"LabelRemovedInService": {
			reason: "Labels are compared (without case): one removed in the service is drift.",
			svc: &fakeService{getByID: func(context.Context, int) (*actions.ScaleSet, error) {
				ss := inService()
				ss.Labels = []string{"LINUX"}
				return ss, nil
			}},
			cr: scaleSet(withExternalName("7")),
			want: want{
				obs: managed.ExternalObservation{ResourceExists: true},
				cr: scaleSet(withExternalName("7"), withObservation(func() *actions.ScaleSet {
					ss := inService()
					ss.Labels = []string{"LINUX"}
					return ss
				}())),
			},
		},
		"GroupByName": {
			reason: "A group given by name is looked up; a scale set in another group is drift.",
			svc: &fakeService{
				getByID: func(context.Context, int) (*actions.ScaleSet, error) { return inService(), nil },
				groupByName: func(_ context.Context, name string) (*actions.RunnerGroup, error) {
					return &actions.RunnerGroup{ID: 5, Name: name}, nil
				},
			},
			cr: scaleSet(withExternalName("7"), withParams(func(p *v1alpha1.RunnerScaleSetParameters) {
				p.RunnerGroupName = ptr[v1alpha1.RunnerGroupName]("team-a")
			})),
			want: want{
				obs: managed.ExternalObservation{ResourceExists: true},
				cr: scaleSet(withExternalName("7"), withObservation(inService()), withParams(func(p *v1alpha1.RunnerScaleSetParameters) {
					p.RunnerGroupName = ptr[v1alpha1.RunnerGroupName]("team-a")
				})),
			},
		},
		"UnknownGroupName": {
			reason: "A group name that does not exist is reported with the name.",
			svc: &fakeService{groupByName: func(context.Context, string) (*actions.RunnerGroup, error) {
				return nil, notFound()
			}},
			cr: scaleSet(withParams(func(p *v1alpha1.RunnerScaleSetParameters) {
				p.RunnerGroupName = ptr[v1alpha1.RunnerGroupName]("nope")
			})),
			want: want{
				cr: scaleSet(withParams(func(p *v1alpha1.RunnerScaleSetParameters) {
					p.RunnerGroupName = ptr[v1alpha1.RunnerGroupName]("nope")
				})),
				err: fmt.Errorf(errUnknownGroup, "nope"),
			},
		},
		"DeletingWithoutGroup": {
			reason: "During deletion, with neither an id nor its group, nothing can exist: deletion is not blocked.",
			svc: &fakeService{groupByName: func(context.Context, string) (*actions.RunnerGroup, error) {
				return nil, notFound()
			}},
			cr: scaleSet(func(cr *v1alpha1.RunnerScaleSet) {
				cr.SetDeletionTimestamp(&deleted)
				cr.Spec.ForProvider.RunnerGroupName = ptr[v1alpha1.RunnerGroupName]("gone")
			}),
			want: want{cr: scaleSet(func(cr *v1alpha1.RunnerScaleSet) {
				cr.SetDeletionTimestamp(&deleted)
				cr.Spec.ForProvider.RunnerGroupName = ptr[v1alpha1.RunnerGroupName]("gone")
			})},
		},
		"DeletingReportsTruth": {
			reason: "During deletion a scale set that exists is reported, so it is deleted in the service.",
			svc:    &fakeService{getByID: func(context.Context, int) (*actions.ScaleSet, error) { return inService(), nil }},
			cr:     scaleSet(withExternalName("7"), func(cr *v1alpha1.RunnerScaleSet) { cr.SetDeletionTimestamp(&deleted) }),
			want: want{
				obs: managed.ExternalObservation{ResourceExists: true, ResourceUpToDate: true},
				cr: scaleSet(withExternalName("7"), withObservation(inService()), func(cr *v1alpha1.RunnerScaleSet) {
					cr.SetDeletionTimestamp(&deleted)
				}),
			},
		},
		"RetriesExhausted": {
			reason: "The library's retries of a 429 end without the status: the message says what it likely was.",
			svc: &fakeService{getByID: func(context.Context, int) (*actions.ScaleSet, error) {
				return nil, errors.New("GET https://x giving up after 2 attempt(s)")
			}},
			cr:   scaleSet(withExternalName("7")),
			want: want{cr: scaleSet(withExternalName("7")), err: errors.New(errObserve + ": " + errServiceRefused + ": GET https://x giving up after 2 attempt(s)")},
		},
		"GetError": {
			reason: "An error of the service is returned, wrapped.",
			svc:    &fakeService{getByID: func(context.Context, int) (*actions.ScaleSet, error) { return nil, errBoom }},
			cr:     scaleSet(withExternalName("7")),
			want:   want{cr: scaleSet(withExternalName("7")), err: errors.New(errObserve + ": boom")},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			e := &external{svc: tc.svc}
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
		cr  *v1alpha1.RunnerScaleSet
		err error
	}
	cases := map[string]struct {
		reason string
		svc    *fakeService
		cr     *v1alpha1.RunnerScaleSet
		want   want
	}{
		"Created": {
			reason: "The name leads the labels, the group is the referenced id, and the new id becomes the external name.",
			svc: &fakeService{create: func(_ context.Context, spec actions.ScaleSetSpec) (*actions.ScaleSet, error) {
				want := actions.ScaleSetSpec{Name: "linux", RunnerGroupID: 3, Labels: []string{"linux", "x64"}, DisableUpdate: true}
				if diff := cmp.Diff(want, spec); diff != "" {
					return nil, errors.New(diff)
				}
				return &actions.ScaleSet{ID: 9}, nil
			}},
			cr: scaleSet(withParams(func(p *v1alpha1.RunnerScaleSetParameters) {
				p.RunnerGroupID = ptr[int64](3)
				p.RunnerSettings = &v1alpha1.RunnerSettings{DisableUpdate: true}
			})),
			want: want{cr: scaleSet(withExternalName("9"), withParams(func(p *v1alpha1.RunnerScaleSetParameters) {
				p.RunnerGroupID = ptr[int64](3)
				p.RunnerSettings = &v1alpha1.RunnerSettings{DisableUpdate: true}
			}))},
		},
		"ConflictAdopts": {
			reason: "A name taken since Observe is adopted rather than failing forever.",
			svc: &fakeService{
				create: func(context.Context, actions.ScaleSetSpec) (*actions.ScaleSet, error) {
					return nil, errors.New(`status="409 Conflict"`)
				},
				get: func(context.Context, int, string) (*actions.ScaleSet, error) { return inService(), nil },
			},
			cr:   scaleSet(),
			want: want{cr: scaleSet(withExternalName("7"))},
		},
		"CreateError": {
			reason: "A failed create is returned, wrapped.",
			svc:    &fakeService{create: func(context.Context, actions.ScaleSetSpec) (*actions.ScaleSet, error) { return nil, errBoom }},
			cr:     scaleSet(),
			want:   want{cr: scaleSet(), err: errors.New(errCreate + ": boom")},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			e := &external{svc: tc.svc}
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
		svc    *fakeService
		cr     *v1alpha1.RunnerScaleSet
		want   error
		// calls are the methods the fake must see, in order.
		calls []string
	}{
		"ResendsLabels": {
			reason: "Name, group and the whole label list are sent on every update.",
			svc: &fakeService{
				groupByName: func(context.Context, string) (*actions.RunnerGroup, error) { return &actions.RunnerGroup{ID: 5}, nil },
				update: func(_ context.Context, id int, spec actions.ScaleSetSpec) (*actions.ScaleSet, error) {
					want := actions.ScaleSetSpec{Name: "linux-2", RunnerGroupID: 5, Labels: []string{"linux-2", "x64", "gpu"}}
					if diff := cmp.Diff(want, spec); id != 7 || diff != "" {
						return nil, errors.New(diff)
					}
					return inService(), nil
				},
			},
			cr: scaleSet(withExternalName("7"), withParams(func(p *v1alpha1.RunnerScaleSetParameters) {
				p.Name = "linux-2"
				p.Labels = []v1alpha1.RunnerLabel{"x64", "gpu", "X64"}
				p.RunnerGroupName = ptr[v1alpha1.RunnerGroupName]("team-a")
			})),
			calls: []string{"GetRunnerGroupByName", "UpdateScaleSet"},
		},
		"UpdateError": {
			reason: "A failed update is returned, wrapped.",
			svc:    &fakeService{update: func(context.Context, int, actions.ScaleSetSpec) (*actions.ScaleSet, error) { return nil, errBoom }},
			cr:     scaleSet(withExternalName("7")),
			want:   errors.New(errUpdate + ": boom"),
			calls:  []string{"UpdateScaleSet"},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			e := &external{svc: tc.svc}
			_, err := e.Update(t.Context(), tc.cr)
			if diff := cmp.Diff(errText(tc.want), errText(err)); diff != "" {
				t.Errorf("%s\nUpdate(...): -want error, +got error:\n%s", tc.reason, diff)
			}
			if diff := cmp.Diff(tc.calls, tc.svc.called); diff != "" {
				t.Errorf("%s\nUpdate(...): -want calls, +got calls:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestDelete(t *testing.T) {
	cases := map[string]struct {
		reason string
		svc    *fakeService
		cr     *v1alpha1.RunnerScaleSet
		want   error
		// calls are the methods the fake must see, in order.
		calls []string
	}{
		"Deleted": {
			reason: "The scale set of the external name is deleted.",
			svc: &fakeService{del: func(_ context.Context, id int) error {
				if id != 7 {
					return errBoom
				}
				return nil
			}},
			cr:    scaleSet(withExternalName("7")),
			calls: []string{"DeleteScaleSet"},
		},
		"AlreadyGone": {
			reason: "A scale set already gone is deleted.",
			svc:    &fakeService{del: func(context.Context, int) error { return notFound() }},
			cr:     scaleSet(withExternalName("7")),
			calls:  []string{"DeleteScaleSet"},
		},
		"Busy": {
			reason: "A scale set whose runners still run jobs says so.",
			svc:    &fakeService{del: func(context.Context, int) error { return errors.New(`status="409 Conflict"`) }},
			cr:     scaleSet(withExternalName("7")),
			want:   errors.New(errDelete + ": " + errDeleteBusy + `: status="409 Conflict"`),
			calls:  []string{"DeleteScaleSet"},
		},
		"DeleteError": {
			reason: "A failed delete is returned, wrapped.",
			svc:    &fakeService{del: func(context.Context, int) error { return errBoom }},
			cr:     scaleSet(withExternalName("7")),
			want:   errors.New(errDelete + ": boom"),
			calls:  []string{"DeleteScaleSet"},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			e := &external{svc: tc.svc}
			_, err := e.Delete(t.Context(), tc.cr)
			if diff := cmp.Diff(errText(tc.want), errText(err)); diff != "" {
				t.Errorf("%s\nDelete(...): -want error, +got error:\n%s", tc.reason, diff)
			}
			if diff := cmp.Diff(tc.calls, tc.svc.called); diff != "" {
				t.Errorf("%s\nDelete(...): -want calls, +got calls:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestConnect(t *testing.T) {
	cfg := &clients.Config{ConfigURL: "https://github.com/octo", Token: "ghp_x"}
	svc := &fakeService{}
	cases := map[string]struct {
		reason    string
		newClient controller.ActionsClientFactory
		want      *external
		err       error
	}{
		"Connected": {
			reason: "The Actions Service client is built from the resolved configuration.",
			newClient: func(_ context.Context, got *clients.Config) (actions.Client, error) {
				if got != cfg {
					return nil, errors.New("unexpected configuration")
				}
				return svc, nil
			},
			want: &external{svc: svc},
		},
		"ClientError": {
			reason:    "A client that cannot be built is reported.",
			newClient: func(context.Context, *clients.Config) (actions.Client, error) { return nil, errBoom },
			err:       errors.New(errNewClient + ": boom"),
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got, err := connect(tc.newClient)(t.Context(), cfg)
			if diff := cmp.Diff(errText(tc.err), errText(err)); diff != "" {
				t.Errorf("%s\nconnect(...): -want error, +got error:\n%s", tc.reason, diff)
			}
			if tc.want == nil {
				return
			}
			if ext, ok := got.(*external); !ok || ext.svc != tc.want.svc {
				t.Errorf("%s\nconnect(...): want %+v, got %+v", tc.reason, tc.want, got)
			}
		})
	}
}
