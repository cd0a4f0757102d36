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

package runnerscaleset_test

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/crossplane/crossplane-runtime/v2/pkg/meta"
	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/arc-crossplane/provider-github-arc/apis/actions/v1alpha1"
	arcv1alpha1 "github.com/arc-crossplane/provider-github-arc/apis/arc/v1alpha1"
	"github.com/arc-crossplane/provider-github-arc/cluster/testenv"
	"github.com/arc-crossplane/provider-github-arc/internal/clients/actions"
	ghclient "github.com/arc-crossplane/provider-github-arc/internal/clients/github"
	"github.com/arc-crossplane/provider-github-arc/internal/controller/config"
	"github.com/arc-crossplane/provider-github-arc/internal/controller/config/providertest"
	"github.com/arc-crossplane/provider-github-arc/internal/controller/runnergroup"
	"github.com/arc-crossplane/provider-github-arc/internal/controller/runnerscaleset"
	"github.com/arc-crossplane/provider-github-arc/internal/simulator"
)

func TestMain(m *testing.M) {
	providertest.AddToScheme()
	testenv.Main(m)
}

func newEnv(t *testing.T) *providertest.Env {
	t.Helper()
	return providertest.New(t, config.Setup, runnergroup.Setup, runnerscaleset.Setup)
}

func providerConfigRef() *xpv2.ProviderConfigReference {
	return &xpv2.ProviderConfigReference{Kind: arcv1alpha1.ProviderConfigKind, Name: providertest.DefaultConfig}
}

func scaleSet(e *providertest.Env, name string, p v1alpha1.RunnerScaleSetParameters) *v1alpha1.RunnerScaleSet {
	return &v1alpha1.RunnerScaleSet{
		ObjectMeta: metav1.ObjectMeta{Namespace: e.Namespace, Name: name},
		Spec: v1alpha1.RunnerScaleSetSpec{
			ManagedResourceSpec: xpv2.ManagedResourceSpec{ProviderConfigReference: providerConfigRef()},
			ForProvider:         p,
		},
	}
}

func externalID(t *testing.T, mg *v1alpha1.RunnerScaleSet) int {
	t.Helper()
	id, err := strconv.Atoi(meta.GetExternalName(mg))
	if err != nil {
		t.Fatalf("external name %q is not an id: %v", meta.GetExternalName(mg), err)
	}
	return id
}

// inService waits until the service's scale set id satisfies ok.
func inService(t *testing.T, e *providertest.Env, id int, what string, ok func(*actions.ScaleSet) bool) {
	t.Helper()
	testenv.Eventually(t, providertest.Timeout, what, func(ctx context.Context) (bool, error) {
		ss, err := e.Actions.GetScaleSetByID(ctx, id)
		if err != nil {
			return false, err
		}
		return ok(ss), nil
	})
}

func sameLabels(got []string, want ...string) bool {
	g := slices.Clone(got)
	slices.Sort(g)
	slices.Sort(want)
	return slices.Equal(g, want)
}

// TestLifecycle creates a scale set in the Default group, renames it and
// changes its labels, sees labels changed in the service put back, and
// deletes it.
func TestLifecycle(t *testing.T) {
	e := newEnv(t)
	e.StartProvider(t)

	rss := scaleSet(e, "linux", v1alpha1.RunnerScaleSetParameters{Name: "linux", Labels: []v1alpha1.RunnerLabel{"x64"}})
	e.Create(t, rss)
	e.WaitReady(t, rss)
	id := externalID(t, rss)
	if got := rss.Status.AtProvider; got.ID != int64(id) || got.RunnerGroupID != 1 || got.Name != "linux" {
		t.Errorf("status.atProvider: want id %d in group 1 named linux, got %+v", id, got)
	}
	inService(t, e, id, "created", func(ss *actions.ScaleSet) bool {
		return ss.Name == "linux" && ss.RunnerGroupID == 1 && sameLabels(ss.Labels, "linux", "x64")
	})

	if err := e.Get(t.Context(), rss); err != nil {
		t.Fatal(err)
	}
	rss.Spec.ForProvider.Name = "linux-large"
	rss.Spec.ForProvider.Labels = []v1alpha1.RunnerLabel{"x64", "large"}
	if err := e.Client.Update(t.Context(), rss); err != nil {
		t.Fatal(err)
	}
	inService(t, e, id, "renamed and relabelled", func(ss *actions.ScaleSet) bool {
		return ss.Name == "linux-large" && sameLabels(ss.Labels, "linux-large", "x64", "large")
	})

	// Drift: labels replaced in the service are put back.
	if _, err := e.Actions.UpdateScaleSet(t.Context(), id, actions.ScaleSetSpec{Labels: []string{"tampered"}}); err != nil {
		t.Fatal(err)
	}
	inService(t, e, id, "labels put back", func(ss *actions.ScaleSet) bool {
		return sameLabels(ss.Labels, "linux-large", "x64", "large")
	})

	if err := e.Client.Delete(t.Context(), rss); err != nil {
		t.Fatal(err)
	}
	e.WaitGone(t, rss)
	if _, err := e.Actions.GetScaleSetByID(t.Context(), id); !actions.IsNotFound(err) {
		t.Errorf("scale set %d after delete: want not found, got %v", id, err)
	}
}

// TestAppCredentials registers a scale set as a GitHub App installation.
func TestAppCredentials(t *testing.T) {
	e := newEnv(t)
	e.Create(t, e.AppSecret("github-app", e.AppKeyPEM))
	e.Create(t, e.AppProviderConfig("app", "github-app"))
	e.StartProvider(t)

	rss := scaleSet(e, "as-app", v1alpha1.RunnerScaleSetParameters{Name: "as-app"})
	rss.Spec.ProviderConfigReference.Name = "app"
	e.Create(t, rss)
	e.WaitReady(t, rss)
	inService(t, e, externalID(t, rss), "created by the App", func(ss *actions.ScaleSet) bool { return ss.Name == "as-app" })
	if n := e.Sim.Counters().Calls("POST /api/v3/app/installations/{installation_id}/access_tokens"); n == 0 {
		t.Errorf("no installation token was minted: the scale set was not made with the App's credentials")
	}
}

// TestGroupByReference puts a scale set in the group of a RunnerGroup it
// references, and moves it when the reference changes to a group by name.
func TestGroupByReference(t *testing.T) {
	e := newEnv(t)
	e.StartProvider(t)

	rg := &v1alpha1.RunnerGroup{
		ObjectMeta: metav1.ObjectMeta{Namespace: e.Namespace, Name: "team-a"},
		Spec: v1alpha1.RunnerGroupSpec{
			ManagedResourceSpec: xpv2.ManagedResourceSpec{ProviderConfigReference: providerConfigRef()},
			ForProvider:         v1alpha1.RunnerGroupParameters{Name: "team-a", Visibility: v1alpha1.RunnerGroupVisibilityAll},
		},
	}
	rss := scaleSet(e, "team-a-linux", v1alpha1.RunnerScaleSetParameters{
		Name:           "team-a-linux",
		RunnerGroupRef: &xpv2.NamespacedReference{Name: rg.Name},
	})
	// The scale set first, so that it has to wait for the group.
	e.Create(t, rss)
	e.Create(t, rg)
	e.WaitReady(t, rg)
	e.WaitReady(t, rss)

	groupID, err := strconv.ParseInt(meta.GetExternalName(rg), 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	if got := rss.Spec.ForProvider.RunnerGroupID; got == nil || *got != groupID {
		t.Errorf("spec.forProvider.runnerGroupID: want %d, got %v", groupID, got)
	}
	if got := rss.Status.AtProvider.RunnerGroupID; got != groupID {
		t.Errorf("status.atProvider.runnerGroupID: want %d, got %d", groupID, got)
	}
	inService(t, e, externalID(t, rss), "in the referenced group", func(ss *actions.ScaleSet) bool {
		return int64(ss.RunnerGroupID) == groupID
	})

	// Moving it to a group given by name.
	other, err := e.GitHub.CreateRunnerGroup(t.Context(), ghclient.RunnerGroupParameters{Name: "team-b", Visibility: "all"})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Get(t.Context(), rss); err != nil {
		t.Fatal(err)
	}
	name := v1alpha1.RunnerGroupName("team-b")
	rss.Spec.ForProvider.RunnerGroupRef = nil
	rss.Spec.ForProvider.RunnerGroupID = nil
	rss.Spec.ForProvider.RunnerGroupName = &name
	if err := e.Client.Update(t.Context(), rss); err != nil {
		t.Fatal(err)
	}
	inService(t, e, externalID(t, rss), "moved to the group by name", func(ss *actions.ScaleSet) bool {
		return int64(ss.RunnerGroupID) == other.ID
	})
}

// TestGroupBySelector puts a scale set in the group of the RunnerGroup its
// selector matches.
func TestGroupBySelector(t *testing.T) {
	e := newEnv(t)
	e.StartProvider(t)

	rg := &v1alpha1.RunnerGroup{
		ObjectMeta: metav1.ObjectMeta{Namespace: e.Namespace, Name: "selected", Labels: map[string]string{"team": "a"}},
		Spec: v1alpha1.RunnerGroupSpec{
			ManagedResourceSpec: xpv2.ManagedResourceSpec{ProviderConfigReference: providerConfigRef()},
			ForProvider:         v1alpha1.RunnerGroupParameters{Name: "selected", Visibility: v1alpha1.RunnerGroupVisibilityAll},
		},
	}
	e.Create(t, rg)
	rss := scaleSet(e, "by-selector", v1alpha1.RunnerScaleSetParameters{
		Name:                "by-selector",
		RunnerGroupSelector: &xpv2.NamespacedSelector{MatchLabels: map[string]string{"team": "a"}},
	})
	e.Create(t, rss)
	e.WaitReady(t, rg)
	e.WaitReady(t, rss)

	groupID, err := strconv.ParseInt(meta.GetExternalName(rg), 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	if got := rss.Status.AtProvider.RunnerGroupID; got != groupID {
		t.Errorf("status.atProvider.runnerGroupID: want the selected group's id %d, got %d", groupID, got)
	}
}

// TestAdoptByExternalName takes over a scale set made in the service by
// setting the external name; its labels are put to the spec.
func TestAdoptByExternalName(t *testing.T) {
	e := newEnv(t)
	existing, err := e.Actions.CreateScaleSet(t.Context(), actions.ScaleSetSpec{Name: "legacy", RunnerGroupID: 1, Labels: []string{"legacy", "old"}})
	if err != nil {
		t.Fatal(err)
	}
	e.StartProvider(t)

	rss := scaleSet(e, "legacy", v1alpha1.RunnerScaleSetParameters{Name: "legacy", Labels: []v1alpha1.RunnerLabel{"new"}})
	meta.SetExternalName(rss, strconv.Itoa(existing.ID))
	e.Create(t, rss)
	e.WaitReady(t, rss)
	inService(t, e, existing.ID, "adopted scale set put to the spec", func(ss *actions.ScaleSet) bool {
		return sameLabels(ss.Labels, "legacy", "new")
	})
}

// TestImportObserveOnly imports a scale set read-only.
func TestImportObserveOnly(t *testing.T) {
	e := newEnv(t)
	existing, err := e.Actions.CreateScaleSet(t.Context(), actions.ScaleSetSpec{Name: "imported", RunnerGroupID: 1, Labels: []string{"imported", "keep"}})
	if err != nil {
		t.Fatal(err)
	}
	e.StartProvider(t)

	rss := scaleSet(e, "imported", v1alpha1.RunnerScaleSetParameters{Name: "imported"})
	rss.Spec.ManagementPolicies = xpv2.ManagementPolicies{xpv2.ManagementActionObserve}
	meta.SetExternalName(rss, strconv.Itoa(existing.ID))
	e.Create(t, rss)
	e.WaitReady(t, rss)
	if got := rss.Status.AtProvider; got.ID != int64(existing.ID) || !sameLabels(got.Labels, "imported", "keep") {
		t.Errorf("status.atProvider: want id %d with labels imported, keep; got %+v", existing.ID, got)
	}
	if got := rss.Status.AtProvider.Statistics; got == nil {
		t.Errorf("status.atProvider.statistics: want the service's numbers, got none")
	}

	if err := e.Client.Delete(t.Context(), rss); err != nil {
		t.Fatal(err)
	}
	e.WaitGone(t, rss)
	ss, err := e.Actions.GetScaleSetByID(t.Context(), existing.ID)
	if err != nil || !sameLabels(ss.Labels, "imported", "keep") {
		t.Errorf("observe-only scale set changed or deleted: %+v, %v", ss, err)
	}
}

// TestRestartBeforeExternalName: a provider stopped between the create in
// the service and recording the id does not make a second scale set.
func TestRestartBeforeExternalName(t *testing.T) {
	e := newEnv(t)

	stop := e.StartProvider(t)
	rss := scaleSet(e, "restarted", v1alpha1.RunnerScaleSetParameters{Name: "restarted"})
	e.Create(t, rss)
	e.WaitReady(t, rss)
	stop()
	created := externalID(t, rss)

	e.RewindToCreatePending(t, rss)

	e.Sim.ResetCounters()
	e.StartProvider(t)
	e.WaitAdoptedByName(t, rss, strconv.Itoa(created))
	if n := e.Sim.Counters().Calls("POST /_actions/{tenant}/_apis/runtime/runnerscalesets"); n != 0 {
		t.Errorf("scale sets created after the restart: want 0, got %d", n)
	}
}

// maxCallsPerWindow bounds the calls a failing resource may make in
// errorWindow: a reconcile costs a few calls (one retry included), and the
// controller's backoff starts at one second and doubles.
const (
	errorWindow       = 10 * time.Second
	maxCallsPerWindow = 25
)

func TestUnknownGroupName(t *testing.T) {
	e := newEnv(t)
	e.StartProvider(t)

	name := v1alpha1.RunnerGroupName("no-such-group")
	rss := scaleSet(e, "lost", v1alpha1.RunnerScaleSetParameters{Name: "lost", RunnerGroupName: &name})
	e.Create(t, rss)
	e.WaitCondition(t, rss, xpv2.TypeSynced, corev1.ConditionFalse, `runner group "no-such-group"`, "does not exist")
	if n := e.CallsDuring(t, errorWindow); n > maxCallsPerWindow {
		t.Errorf("calls for an unknown group in %s: want at most %d, got %d", errorWindow, maxCallsPerWindow, n)
	}
}

func TestRateLimited(t *testing.T) {
	e := newEnv(t)
	e.StartProvider(t)
	rss := scaleSet(e, "limited", v1alpha1.RunnerScaleSetParameters{Name: "limited"})
	e.Create(t, rss)
	e.WaitReady(t, rss)

	if err := e.Sim.SetFaults(simulator.Faults{Forced: []simulator.ForcedResponse{{
		Endpoint: simulator.AllEndpoints, Status: 429, Count: 1_000_000, RetryAfter: simulator.Duration(time.Second),
	}}}); err != nil {
		t.Fatal(err)
	}
	e.WaitCondition(t, rss, xpv2.TypeSynced, corev1.ConditionFalse, "rate limit (429)")
	if n := e.CallsDuring(t, errorWindow); n > maxCallsPerWindow {
		t.Errorf("calls at a rate-limited service in %s: want at most %d, got %d", errorWindow, maxCallsPerWindow, n)
	}

	if err := e.Sim.SetFaults(simulator.Faults{}); err != nil {
		t.Fatal(err)
	}
	e.WaitConditionWithin(t, providertest.RecoveryTimeout, rss, xpv2.TypeSynced, corev1.ConditionTrue)
}

// TestInvalidSpecs are refused by the API server, with a message that says why.
func TestInvalidSpecs(t *testing.T) {
	e := newEnv(t)
	groupName := v1alpha1.RunnerGroupName("team-a")
	groupID := int64(3)
	cases := map[string]struct {
		reason string
		params v1alpha1.RunnerScaleSetParameters
		want   string
	}{
		"EmptyName": {
			reason: "A scale set needs a name.",
			params: v1alpha1.RunnerScaleSetParameters{Name: ""},
			want:   "name must not be empty",
		},
		"NameOf46Characters": {
			reason: "GitHub refuses scale set names longer than 45 characters.",
			params: v1alpha1.RunnerScaleSetParameters{Name: v1alpha1.ScaleSetName(strings.Repeat("a", 46))},
			want:   "name must be at most 45 characters",
		},
		"GroupByIDAndName": {
			reason: "A group is given one way.",
			params: v1alpha1.RunnerScaleSetParameters{Name: "x", RunnerGroupID: &groupID, RunnerGroupName: &groupName},
			want:   "set runnerGroupID or runnerGroupName, not both",
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			rss := scaleSet(e, strings.ToLower(name), tc.params)
			err := e.Client.Create(t.Context(), rss)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("%s\nCreate: want an error containing %q, got %v", tc.reason, tc.want, err)
			}
		})
	}
	// 45 characters are fine.
	ok := scaleSet(e, "forty-five", v1alpha1.RunnerScaleSetParameters{Name: v1alpha1.ScaleSetName(strings.Repeat("a", 45))})
	if err := e.Client.Create(t.Context(), ok); err != nil {
		t.Errorf("a 45-character name: %v", err)
	}
}
