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
	"testing"
	"time"

	"github.com/crossplane/crossplane-runtime/v2/pkg/meta"
	"github.com/crossplane/crossplane-runtime/v2/pkg/reconciler/managed"
	"github.com/crossplane/crossplane-runtime/v2/pkg/resource"
	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"
	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/event"

	"github.com/arc-crossplane/provider-github-arc/apis/actions/v1alpha1"
	arcv1alpha1 "github.com/arc-crossplane/provider-github-arc/apis/arc/v1alpha1"
	"github.com/arc-crossplane/provider-github-arc/internal/clients"
)

// nopExternal is an external client that is told apart by its name.
type nopExternal struct {
	managed.TypedExternalClient[*v1alpha1.RunnerGroup]
	name string
}

func TestConnector(t *testing.T) {
	errBoom := errors.New("boom")
	scheme := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	if err := arcv1alpha1.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	pc := &arcv1alpha1.ProviderConfig{
		ObjectMeta: metav1.ObjectMeta{Namespace: "team-a", Name: "github"},
		Spec: arcv1alpha1.ProviderConfigSpec{
			GitHubConfigURL: "https://github.com/octo",
			Credentials:     arcv1alpha1.Credentials{Type: arcv1alpha1.CredentialsTypePAT, SecretRef: xpv2.LocalSecretReference{Name: "gh"}},
		},
	}
	secret := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: "team-a", Name: "gh"}, Data: map[string][]byte{"github_token": []byte("ghp_x")}}
	group := func(ref *xpv2.ProviderConfigReference) *v1alpha1.RunnerGroup {
		cr := &v1alpha1.RunnerGroup{ObjectMeta: metav1.ObjectMeta{Namespace: "team-a", Name: "team-a"}}
		cr.SetProviderConfigReference(ref)
		return cr
	}
	ref := &xpv2.ProviderConfigReference{Kind: arcv1alpha1.ProviderConfigKind, Name: "github"}
	tracked := resource.ModernTrackerFn(func(context.Context, resource.ModernManaged) error { return nil })

	// built answers with an external client named after the configuration
	// it was given, so that a test sees which configuration was resolved.
	built := func(_ context.Context, cfg *clients.Config) (managed.TypedExternalClient[*v1alpha1.RunnerGroup], error) {
		return nopExternal{name: cfg.ConfigURL + " " + cfg.Token}, nil
	}

	type want struct {
		ext any
		err string
	}
	cases := map[string]struct {
		reason      string
		kube        []client.Object
		usage       resource.ModernTracker
		newExternal ExternalFactory[*v1alpha1.RunnerGroup]
		cr          *v1alpha1.RunnerGroup
		want        want
	}{
		"Connected": {
			reason:      "The external client is built from the configuration the resource names, read with its Secret.",
			kube:        []client.Object{pc, secret},
			usage:       tracked,
			newExternal: built,
			cr:          group(ref),
			want:        want{ext: nopExternal{name: "https://github.com/octo ghp_x"}},
		},
		"UsageNotTracked": {
			reason: "Nothing is read before the usage is recorded.",
			kube:   []client.Object{pc, secret},
			usage:  resource.ModernTrackerFn(func(context.Context, resource.ModernManaged) error { return errBoom }),
			cr:     group(ref),
			want:   want{err: errTrackUsage + ": boom"},
		},
		"NoConfigRef": {
			reason: "A resource that names no configuration cannot connect.",
			usage:  tracked,
			cr:     group(nil),
			want:   want{err: errNoConfigRef},
		},
		"MissingConfig": {
			reason: "A configuration that does not exist is named, in the resource's namespace.",
			usage:  tracked,
			cr:     group(ref),
			want:   want{err: errResolveConfig + `: cannot get ProviderConfig "team-a/github": providerconfigs.arc.crossplane.io "github" not found`},
		},
		"FactoryError": {
			reason: "The factory's error is returned as it is: the factory says what it could not build.",
			kube:   []client.Object{pc, secret},
			usage:  tracked,
			newExternal: func(context.Context, *clients.Config) (managed.TypedExternalClient[*v1alpha1.RunnerGroup], error) {
				return nil, errBoom
			},
			cr:   group(ref),
			want: want{err: "boom"},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			c := NewConnector(fake.NewClientBuilder().WithScheme(scheme).WithObjects(tc.kube...).Build(), tc.usage, tc.newExternal)
			got, err := c.Connect(t.Context(), tc.cr)
			gotErr := ""
			if err != nil {
				gotErr = err.Error()
			}
			if diff := cmp.Diff(tc.want.err, gotErr); diff != "" {
				t.Errorf("%s\nConnect(...): -want error, +got error:\n%s", tc.reason, diff)
			}
			var gotExt any
			if got != nil {
				gotExt = got
			}
			if diff := cmp.Diff(tc.want.ext, gotExt, cmp.AllowUnexported(nopExternal{})); diff != "" {
				t.Errorf("%s\nConnect(...): -want external client, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestManagedEventFilter(t *testing.T) {
	before := &v1alpha1.RunnerScaleSet{
		ObjectMeta: metav1.ObjectMeta{
			Namespace: "team-a", Name: "linux", Generation: 3, ResourceVersion: "10",
			Labels:      map[string]string{"team": "a"},
			Annotations: map[string]string{meta.AnnotationKeyExternalName: "7"},
		},
		Spec: v1alpha1.RunnerScaleSetSpec{ForProvider: v1alpha1.RunnerScaleSetParameters{Name: "linux"}},
	}
	changed := func(change func(*v1alpha1.RunnerScaleSet)) *v1alpha1.RunnerScaleSet {
		after := before.DeepCopy()
		after.ResourceVersion = "11"
		change(after)
		return after
	}
	cases := map[string]struct {
		reason string
		after  *v1alpha1.RunnerScaleSet
		want   bool
	}{
		"StatusOnly": {
			reason: "The reconciler's own status write, new statistics and conditions, asks for no observation.",
			after: changed(func(cr *v1alpha1.RunnerScaleSet) {
				cr.Status.AtProvider.Statistics = &v1alpha1.RunnerScaleSetStatistics{TotalAssignedJobs: 5}
				cr.SetConditions(xpv2.Available())
			}),
			want: false,
		},
		"SpecChanged": {
			reason: "A new spec (a new generation) is observed and applied.",
			after:  changed(func(cr *v1alpha1.RunnerScaleSet) { cr.Generation++ }),
			want:   true,
		},
		"Deleted": {
			reason: "Deletion sets deletionTimestamp and bumps the generation of a resource with finalizers.",
			after: changed(func(cr *v1alpha1.RunnerScaleSet) {
				cr.Generation++
				cr.DeletionTimestamp = &metav1.Time{}
			}),
			want: true,
		},
		"ExternalNameChanged": {
			reason: "An external name set by hand adopts another scale set.",
			after:  changed(func(cr *v1alpha1.RunnerScaleSet) { meta.SetExternalName(cr, "8") }),
			want:   true,
		},
		"LabelChanged": {
			reason: "Labels are part of the desired state a user edits.",
			after:  changed(func(cr *v1alpha1.RunnerScaleSet) { cr.Labels["team"] = "b" }),
			want:   true,
		},
		"CreatePending": {
			reason: "The reconciler's own create-pending mark asks for nothing: it requeues itself.",
			after:  changed(func(cr *v1alpha1.RunnerScaleSet) { meta.SetExternalCreatePending(cr, time.Now()) }),
			want:   false,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got := managedEventFilter().Update(event.UpdateEvent{ObjectOld: before, ObjectNew: tc.after})
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("%s\nUpdate(...): -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}
