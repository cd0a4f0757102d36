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

package v1alpha1

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/crossplane/crossplane-runtime/v2/pkg/meta"
	"github.com/crossplane/crossplane-runtime/v2/pkg/resource"
	"github.com/crossplane/crossplane-runtime/v2/pkg/test"
	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"
	"github.com/google/go-cmp/cmp"
	kerrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// The managed kinds must satisfy what crossplane-runtime v2's managed
// reconciler, usage tracker and reference resolver need.
var (
	_ resource.ModernManaged = &RunnerGroup{}
	_ resource.ModernManaged = &RunnerScaleSet{}
	_ resource.ManagedList   = &RunnerGroupList{}
	_ resource.ManagedList   = &RunnerScaleSetList{}

	_ interface {
		ResolveReferences(ctx context.Context, c client.Reader) error
	} = &RunnerScaleSet{}
)

func runnerGroup(name, externalName string, labels map[string]string) *RunnerGroup {
	rg := &RunnerGroup{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "team-a", Labels: labels}}
	if externalName != "" {
		meta.SetExternalName(rg, externalName)
	}
	return rg
}

// getGroups serves Get from the given groups, keyed by namespace/name, and
// records what was asked for.
func getGroups(asked *[]client.ObjectKey, groups ...*RunnerGroup) test.MockGetFn {
	return func(_ context.Context, key client.ObjectKey, obj client.Object) error {
		*asked = append(*asked, key)
		for _, g := range groups {
			if g.GetNamespace() == key.Namespace && g.GetName() == key.Name {
				g.DeepCopyInto(obj.(*RunnerGroup))
				return nil
			}
		}
		return kerrors.NewNotFound(schema.GroupResource{Group: Group, Resource: "runnergroups"}, key.Name)
	}
}

func TestRunnerScaleSetResolveReferences(t *testing.T) {
	always := xpv2.ResolvePolicyAlways

	type args struct {
		params   RunnerScaleSetParameters
		deleting bool
		groups   []*RunnerGroup
		listErr  error
	}
	type want struct {
		params RunnerScaleSetParameters
		// errContains is a part of the error message; empty for no error.
		errContains string
		// asked are the objects the resolver had to get.
		asked []client.ObjectKey
	}

	cases := map[string]struct {
		reason string
		args   args
		want   want
	}{
		"NothingToResolve": {
			reason: "Without a reference or selector the group id is left as it is.",
			args:   args{params: RunnerScaleSetParameters{Name: "s", RunnerGroupID: ptr.To[int64](7)}},
			want:   want{params: RunnerScaleSetParameters{Name: "s", RunnerGroupID: ptr.To[int64](7)}},
		},
		"ReferenceToCreatedGroup": {
			reason: "A reference resolves to the referenced group's external name, parsed as the id.",
			args: args{
				params: RunnerScaleSetParameters{Name: "s", RunnerGroupRef: &xpv2.NamespacedReference{Name: "group"}},
				groups: []*RunnerGroup{runnerGroup("group", "42", nil)},
			},
			want: want{
				params: RunnerScaleSetParameters{Name: "s", RunnerGroupID: ptr.To[int64](42), RunnerGroupRef: &xpv2.NamespacedReference{Name: "group"}},
				asked:  []client.ObjectKey{{Namespace: "team-a", Name: "group"}},
			},
		},
		"ReferenceToOtherNamespace": {
			reason: "A reference with a namespace is looked up in that namespace.",
			args: args{
				params: RunnerScaleSetParameters{Name: "s", RunnerGroupRef: &xpv2.NamespacedReference{Name: "group", Namespace: "shared"}},
				groups: []*RunnerGroup{func() *RunnerGroup { g := runnerGroup("group", "9", nil); g.SetNamespace("shared"); return g }()},
			},
			want: want{
				params: RunnerScaleSetParameters{Name: "s", RunnerGroupID: ptr.To[int64](9), RunnerGroupRef: &xpv2.NamespacedReference{Name: "group", Namespace: "shared"}},
				asked:  []client.ObjectKey{{Namespace: "shared", Name: "group"}},
			},
		},
		"ResolvedIDIsKept": {
			reason: "An id that is already set is not resolved again, as for every Crossplane reference.",
			args: args{
				params: RunnerScaleSetParameters{Name: "s", RunnerGroupID: ptr.To[int64](3), RunnerGroupRef: &xpv2.NamespacedReference{Name: "group"}},
				groups: []*RunnerGroup{runnerGroup("group", "42", nil)},
			},
			want: want{params: RunnerScaleSetParameters{Name: "s", RunnerGroupID: ptr.To[int64](3), RunnerGroupRef: &xpv2.NamespacedReference{Name: "group"}}},
		},
		"ResolvePolicyAlways": {
			reason: "With resolve policy Always the id follows the referenced group.",
			args: args{
				params: RunnerScaleSetParameters{Name: "s", RunnerGroupID: ptr.To[int64](3), RunnerGroupRef: &xpv2.NamespacedReference{Name: "group", Policy: &xpv2.Policy{Resolve: &always}}},
				groups: []*RunnerGroup{runnerGroup("group", "42", nil)},
			},
			want: want{
				params: RunnerScaleSetParameters{Name: "s", RunnerGroupID: ptr.To[int64](42), RunnerGroupRef: &xpv2.NamespacedReference{Name: "group", Policy: &xpv2.Policy{Resolve: &always}}},
				asked:  []client.ObjectKey{{Namespace: "team-a", Name: "group"}},
			},
		},
		"GroupNotCreatedYet": {
			reason: "A group without an external name is not ready: resolution fails and the id stays unset.",
			args: args{
				params: RunnerScaleSetParameters{Name: "s", RunnerGroupRef: &xpv2.NamespacedReference{Name: "group"}},
				groups: []*RunnerGroup{runnerGroup("group", "", nil)},
			},
			want: want{
				params:      RunnerScaleSetParameters{Name: "s", RunnerGroupRef: &xpv2.NamespacedReference{Name: "group"}},
				errContains: errResolveRunnerGroup,
				asked:       []client.ObjectKey{{Namespace: "team-a", Name: "group"}},
			},
		},
		"ExternalNameNotAnID": {
			reason: "An external name that is not a positive number (a group named after its Kubernetes name) is never written as the id.",
			args: args{
				params: RunnerScaleSetParameters{Name: "s", RunnerGroupRef: &xpv2.NamespacedReference{Name: "group"}},
				groups: []*RunnerGroup{runnerGroup("group", "group", nil)},
			},
			want: want{
				params:      RunnerScaleSetParameters{Name: "s", RunnerGroupRef: &xpv2.NamespacedReference{Name: "group"}},
				errContains: errResolveRunnerGroup,
				asked:       []client.ObjectKey{{Namespace: "team-a", Name: "group"}},
			},
		},
		"ReferencedGroupMissing": {
			reason: "A reference to a group that does not exist is an error.",
			args:   args{params: RunnerScaleSetParameters{Name: "s", RunnerGroupRef: &xpv2.NamespacedReference{Name: "missing"}}},
			want: want{
				params:      RunnerScaleSetParameters{Name: "s", RunnerGroupRef: &xpv2.NamespacedReference{Name: "missing"}},
				errContains: "not found",
				asked:       []client.ObjectKey{{Namespace: "team-a", Name: "missing"}},
			},
		},
		"SelectorPicksLabelledGroup": {
			reason: "A selector resolves to the first matching group and records a reference to it.",
			args: args{
				params: RunnerScaleSetParameters{Name: "s", RunnerGroupSelector: &xpv2.NamespacedSelector{MatchLabels: map[string]string{"team": "a"}}},
				groups: []*RunnerGroup{runnerGroup("group-a", "11", map[string]string{"team": "a"})},
			},
			want: want{params: RunnerScaleSetParameters{
				Name:                "s",
				RunnerGroupID:       ptr.To[int64](11),
				RunnerGroupRef:      &xpv2.NamespacedReference{Name: "group-a", Namespace: "team-a"},
				RunnerGroupSelector: &xpv2.NamespacedSelector{MatchLabels: map[string]string{"team": "a"}},
			}},
		},
		"SelectorMatchesNothing": {
			reason: "A selector that matches no group is an error.",
			args: args{
				params: RunnerScaleSetParameters{Name: "s", RunnerGroupSelector: &xpv2.NamespacedSelector{MatchLabels: map[string]string{"team": "b"}}},
				groups: []*RunnerGroup{runnerGroup("group-a", "11", map[string]string{"team": "a"})},
			},
			want: want{
				params:      RunnerScaleSetParameters{Name: "s", RunnerGroupSelector: &xpv2.NamespacedSelector{MatchLabels: map[string]string{"team": "b"}}},
				errContains: errResolveRunnerGroup,
			},
		},
		"ListFails": {
			reason: "An API error while listing groups is returned.",
			args: args{
				params:  RunnerScaleSetParameters{Name: "s", RunnerGroupSelector: &xpv2.NamespacedSelector{MatchLabels: map[string]string{"team": "a"}}},
				listErr: errors.New("boom"),
			},
			want: want{
				params:      RunnerScaleSetParameters{Name: "s", RunnerGroupSelector: &xpv2.NamespacedSelector{MatchLabels: map[string]string{"team": "a"}}},
				errContains: "boom",
			},
		},
		"BeingDeleted": {
			reason: "A scale set that is being deleted resolves nothing, so a deleted group cannot block its deletion.",
			args: args{
				params:   RunnerScaleSetParameters{Name: "s", RunnerGroupRef: &xpv2.NamespacedReference{Name: "missing"}},
				deleting: true,
			},
			want: want{params: RunnerScaleSetParameters{Name: "s", RunnerGroupRef: &xpv2.NamespacedReference{Name: "missing"}}},
		},
	}

	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			var asked []client.ObjectKey
			c := &test.MockClient{
				MockGet: getGroups(&asked, tc.args.groups...),
				MockList: func(_ context.Context, list client.ObjectList, opts ...client.ListOption) error {
					if tc.args.listErr != nil {
						return tc.args.listErr
					}
					o := &client.ListOptions{}
					o.ApplyOptions(opts)
					l := list.(*RunnerGroupList)
					for _, g := range tc.args.groups {
						if g.GetNamespace() == o.Namespace && o.LabelSelector.Matches(labels.Set(g.GetLabels())) {
							l.Items = append(l.Items, *g.DeepCopy())
						}
					}
					return nil
				},
			}

			mg := &RunnerScaleSet{
				ObjectMeta: metav1.ObjectMeta{Name: "set", Namespace: "team-a"},
				Spec:       RunnerScaleSetSpec{ForProvider: tc.args.params},
			}
			if tc.args.deleting {
				now := metav1.Now()
				mg.SetDeletionTimestamp(&now)
			}

			err := mg.ResolveReferences(context.Background(), c)

			switch {
			case tc.want.errContains == "" && err != nil:
				t.Errorf("\n%s\nResolveReferences(...): unexpected error: %v", tc.reason, err)
			case tc.want.errContains != "" && (err == nil || !strings.Contains(err.Error(), tc.want.errContains)):
				t.Errorf("\n%s\nResolveReferences(...): want error containing %q, got %v", tc.reason, tc.want.errContains, err)
			}
			if diff := cmp.Diff(tc.want.params, mg.Spec.ForProvider); diff != "" {
				t.Errorf("\n%s\nResolveReferences(...): -want forProvider, +got:\n%s", tc.reason, diff)
			}
			if diff := cmp.Diff(tc.want.asked, asked); diff != "" {
				t.Errorf("\n%s\nResolveReferences(...): -want objects got, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestRunnerGroupID(t *testing.T) {
	cases := map[string]struct {
		reason       string
		externalName string
		want         string
	}{
		"Numeric":  {reason: "A GitHub id is returned as is.", externalName: "42", want: "42"},
		"Empty":    {reason: "A group not created yet has no id.", externalName: "", want: ""},
		"Name":     {reason: "A non-numeric external name is not an id.", externalName: "team-a", want: ""},
		"Zero":     {reason: "Zero is not a GitHub id.", externalName: "0", want: ""},
		"Negative": {reason: "A negative number is not a GitHub id.", externalName: "-3", want: ""},
		"Padded":   {reason: "The id is returned in canonical form.", externalName: "007", want: "7"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got := RunnerGroupID()(runnerGroup("g", tc.externalName, nil))
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("\n%s\nRunnerGroupID()(...): -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}
