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

package runnergroup_test

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/crossplane/crossplane-runtime/v2/pkg/meta"
	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/arc-crossplane/provider-github-arc/apis/actions/v1alpha1"
	arcv1alpha1 "github.com/arc-crossplane/provider-github-arc/apis/arc/v1alpha1"
	"github.com/arc-crossplane/provider-github-arc/cluster/testenv"
	ghclient "github.com/arc-crossplane/provider-github-arc/internal/clients/github"
	"github.com/arc-crossplane/provider-github-arc/internal/controller/config"
	"github.com/arc-crossplane/provider-github-arc/internal/controller/config/providertest"
	"github.com/arc-crossplane/provider-github-arc/internal/controller/runnergroup"
	"github.com/arc-crossplane/provider-github-arc/internal/simulator"
)

func TestMain(m *testing.M) {
	providertest.AddToScheme()
	testenv.Main(m)
}

func newEnv(t *testing.T) *providertest.Env {
	t.Helper()
	return providertest.New(t, config.Setup, runnergroup.Setup)
}

func runnerGroup(e *providertest.Env, name string, p v1alpha1.RunnerGroupParameters) *v1alpha1.RunnerGroup {
	return &v1alpha1.RunnerGroup{
		ObjectMeta: metav1.ObjectMeta{Namespace: e.Namespace, Name: name},
		Spec: v1alpha1.RunnerGroupSpec{
			ManagedResourceSpec: xpv2.ManagedResourceSpec{
				ProviderConfigReference: &xpv2.ProviderConfigReference{Kind: arcv1alpha1.ProviderConfigKind, Name: providertest.DefaultConfig},
			},
			ForProvider: p,
		},
	}
}

// atGitHub waits until GitHub's group id satisfies ok.
func atGitHub(t *testing.T, gh ghclient.RunnerGroupClient, id int64, what string, ok func(*ghclient.RunnerGroup) bool) {
	t.Helper()
	testenv.Eventually(t, providertest.Timeout, what, func(ctx context.Context) (bool, error) {
		g, err := gh.GetRunnerGroup(ctx, id)
		if err != nil {
			return false, err
		}
		return ok(g), nil
	})
}

func selectedNames(ctx context.Context, gh ghclient.RunnerGroupClient, id int64) ([]string, error) {
	repos, err := gh.ListSelectedRepositories(ctx, id)
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(repos))
	for _, r := range repos {
		names = append(names, r.Name)
	}
	slices.Sort(names)
	return names, nil
}

func externalID(t *testing.T, mg *v1alpha1.RunnerGroup) int64 {
	t.Helper()
	id, err := strconv.ParseInt(meta.GetExternalName(mg), 10, 64)
	if err != nil {
		t.Fatalf("external name %q is not an id: %v", meta.GetExternalName(mg), err)
	}
	return id
}

// TestLifecycle creates a group with a GitHub App's credentials, updates it,
// sees a change made at GitHub put back, and deletes it.
func TestLifecycle(t *testing.T) {
	e := newEnv(t)
	e.Create(t, e.AppSecret("github-app", e.AppKeyPEM))
	e.Create(t, e.AppProviderConfig("app", "github-app"))
	e.StartProvider(t)

	rg := runnerGroup(e, "team-a", v1alpha1.RunnerGroupParameters{
		Name:                 "Team A",
		Visibility:           v1alpha1.RunnerGroupVisibilitySelected,
		SelectedRepositories: []v1alpha1.RepositoryName{"api"},
	})
	rg.Spec.ProviderConfigReference.Name = "app"
	e.Create(t, rg)
	e.WaitReady(t, rg)

	id := externalID(t, rg)
	if rg.Status.AtProvider.ID != id || rg.Status.AtProvider.Name != "Team A" {
		t.Errorf("status.atProvider: want id %d and name Team A, got %+v", id, rg.Status.AtProvider)
	}
	names, err := selectedNames(t.Context(), e.GitHub, id)
	if err != nil || !slices.Equal(names, []string{"api"}) {
		t.Fatalf("selected repositories at GitHub: want [api], got %v (%v)", names, err)
	}

	// Update: rename, more repositories, workflow restrictions.
	if err := e.Get(t.Context(), rg); err != nil {
		t.Fatal(err)
	}
	rg.Spec.ForProvider.Name = "Team A runners"
	rg.Spec.ForProvider.SelectedRepositories = []v1alpha1.RepositoryName{"api", "web"}
	rg.Spec.ForProvider.RestrictedToWorkflows = true
	rg.Spec.ForProvider.SelectedWorkflows = []v1alpha1.WorkflowRef{"octo/api/.github/workflows/ci.yml@main"}
	if err := e.Client.Update(t.Context(), rg); err != nil {
		t.Fatal(err)
	}
	atGitHub(t, e.GitHub, id, "update applied at GitHub", func(g *ghclient.RunnerGroup) bool {
		return g.Name == "Team A runners" && g.RestrictedToWorkflows &&
			slices.Equal(g.SelectedWorkflows, []string{"octo/api/.github/workflows/ci.yml@main"})
	})
	testenv.Eventually(t, providertest.Timeout, "repositories updated at GitHub", func(ctx context.Context) (bool, error) {
		names, err := selectedNames(ctx, e.GitHub, id)
		return slices.Equal(names, []string{"api", "web"}), err
	})

	// Drift: someone opens the group to all repositories at GitHub, and
	// another removes a repository.
	if _, err := e.GitHub.UpdateRunnerGroup(t.Context(), id, ghclient.RunnerGroupParameters{Visibility: "all", AllowsPublicRepositories: ptr(true)}); err != nil {
		t.Fatal(err)
	}
	atGitHub(t, e.GitHub, id, "drift put back", func(g *ghclient.RunnerGroup) bool {
		return g.Visibility == "selected" && !g.AllowsPublicRepositories
	})
	testenv.Eventually(t, providertest.Timeout, "repositories put back", func(ctx context.Context) (bool, error) {
		names, err := selectedNames(ctx, e.GitHub, id)
		return slices.Equal(names, []string{"api", "web"}), err
	})

	if err := e.Client.Delete(t.Context(), rg); err != nil {
		t.Fatal(err)
	}
	e.WaitGone(t, rg)
	if _, err := e.GitHub.GetRunnerGroup(t.Context(), id); !ghclient.IsNotFound(err) {
		t.Errorf("group %d at GitHub after delete: want not found, got %v", id, err)
	}
}

// TestClusterProviderConfigEnterpriseGroup manages an enterprise's group
// through a ClusterProviderConfig, and counts the usage on it.
func TestClusterProviderConfigEnterpriseGroup(t *testing.T) {
	e := newEnv(t)
	e.Create(t, &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Namespace: e.Namespace, Name: "enterprise-pat"},
		StringData: map[string]string{arcv1alpha1.DefaultTokenKey: providertest.EnterprisePAT},
	})
	cpc := e.ClusterProviderConfig(t, "enterprise-pat", e.EnterpriseURL())
	e.StartProvider(t)

	rg := runnerGroup(e, "shared", v1alpha1.RunnerGroupParameters{Name: "Shared", Visibility: v1alpha1.RunnerGroupVisibilityAll})
	rg.Spec.ProviderConfigReference = &xpv2.ProviderConfigReference{Kind: arcv1alpha1.ClusterProviderConfigKind, Name: cpc.Name}
	e.Create(t, rg)
	e.WaitReady(t, rg)
	id := externalID(t, rg)
	atGitHub(t, e.EnterpriseGitHub, id, "enterprise group", func(g *ghclient.RunnerGroup) bool { return g.Name == "Shared" })

	testenv.Eventually(t, providertest.Timeout, "usage counted on the ClusterProviderConfig", func(ctx context.Context) (bool, error) {
		if err := e.Get(ctx, cpc); err != nil {
			return false, err
		}
		return cpc.Status.Users == 1, nil
	})
	e.WaitCondition(t, cpc, xpv2.TypeReady, corev1.ConditionTrue)

	if err := e.Client.Delete(t.Context(), rg); err != nil {
		t.Fatal(err)
	}
	e.WaitGone(t, rg)
	if _, err := e.EnterpriseGitHub.GetRunnerGroup(t.Context(), id); !ghclient.IsNotFound(err) {
		t.Errorf("enterprise group %d after delete: want not found, got %v", id, err)
	}
}

// TestAdoptByExternalName takes over a group made at GitHub by setting the
// external name; its fields are put to the spec.
func TestAdoptByExternalName(t *testing.T) {
	e := newEnv(t)
	existing, err := e.GitHub.CreateRunnerGroup(t.Context(), ghclient.RunnerGroupParameters{Name: "legacy", Visibility: "all", AllowsPublicRepositories: ptr(true)})
	if err != nil {
		t.Fatal(err)
	}
	e.StartProvider(t)

	rg := runnerGroup(e, "legacy", v1alpha1.RunnerGroupParameters{Name: "legacy", Visibility: v1alpha1.RunnerGroupVisibilityPrivate})
	meta.SetExternalName(rg, strconv.FormatInt(existing.ID, 10))
	e.Create(t, rg)
	e.WaitReady(t, rg)
	atGitHub(t, e.GitHub, existing.ID, "adopted group put to the spec", func(g *ghclient.RunnerGroup) bool {
		return g.Visibility == "private" && !g.AllowsPublicRepositories
	})
	assertOneGroupNamed(t, e, "legacy")
}

// TestImportObserveOnly imports a group read-only: its state shows in the
// status, changes at GitHub are left alone, and deleting the resource leaves
// the group.
func TestImportObserveOnly(t *testing.T) {
	e := newEnv(t)
	existing, err := e.GitHub.CreateRunnerGroup(t.Context(), ghclient.RunnerGroupParameters{Name: "imported", Visibility: "all"})
	if err != nil {
		t.Fatal(err)
	}
	e.StartProvider(t)

	rg := runnerGroup(e, "imported", v1alpha1.RunnerGroupParameters{Name: "imported", Visibility: v1alpha1.RunnerGroupVisibilityPrivate})
	rg.Spec.ManagementPolicies = xpv2.ManagementPolicies{xpv2.ManagementActionObserve}
	meta.SetExternalName(rg, strconv.FormatInt(existing.ID, 10))
	e.Create(t, rg)
	e.WaitReady(t, rg)
	if rg.Status.AtProvider.Visibility != "all" || rg.Status.AtProvider.ID != existing.ID {
		t.Errorf("status.atProvider: want GitHub's id %d and visibility all, got %+v", existing.ID, rg.Status.AtProvider)
	}

	// A change at GitHub shows in the status and is not put back.
	if _, err := e.GitHub.UpdateRunnerGroup(t.Context(), existing.ID, ghclient.RunnerGroupParameters{Visibility: "selected"}); err != nil {
		t.Fatal(err)
	}
	testenv.Eventually(t, providertest.Timeout, "change at GitHub observed", func(ctx context.Context) (bool, error) {
		if err := e.Get(ctx, rg); err != nil {
			return false, err
		}
		return rg.Status.AtProvider.Visibility == "selected", nil
	})
	if g, err := e.GitHub.GetRunnerGroup(t.Context(), existing.ID); err != nil || g.Visibility != "selected" {
		t.Errorf("observe-only group changed by the provider: %+v, %v", g, err)
	}

	if err := e.Client.Delete(t.Context(), rg); err != nil {
		t.Fatal(err)
	}
	e.WaitGone(t, rg)
	if _, err := e.GitHub.GetRunnerGroup(t.Context(), existing.ID); err != nil {
		t.Errorf("observe-only group deleted at GitHub: %v", err)
	}
}

// TestDefaultGroupNeverDeleted observes the Default group and refuses to
// delete it, with a message that says how to let go of it.
func TestDefaultGroupNeverDeleted(t *testing.T) {
	e := newEnv(t)
	e.StartProvider(t)

	rg := runnerGroup(e, "default", v1alpha1.RunnerGroupParameters{Name: "Default", Visibility: v1alpha1.RunnerGroupVisibilityAll})
	meta.SetExternalName(rg, "1")
	e.Create(t, rg)
	e.WaitReady(t, rg)
	if d := rg.Status.AtProvider.Default; d == nil || !*d {
		t.Errorf("status.atProvider.default: want true, got %v", d)
	}

	if err := e.Client.Delete(t.Context(), rg); err != nil {
		t.Fatal(err)
	}
	e.WaitCondition(t, rg, xpv2.TypeSynced, corev1.ConditionFalse, "Default runner group (id 1) can never be deleted", "managementPolicies")

	// Following the message lets the resource go, and the group stays.
	if err := e.Get(t.Context(), rg); err != nil {
		t.Fatal(err)
	}
	rg.Spec.ManagementPolicies = xpv2.ManagementPolicies{xpv2.ManagementActionObserve}
	if err := e.Client.Update(t.Context(), rg); err != nil {
		t.Fatal(err)
	}
	e.WaitGone(t, rg)
	if _, err := e.GitHub.GetRunnerGroup(t.Context(), 1); err != nil {
		t.Errorf("Default group: %v", err)
	}
}

// TestRestartBeforeExternalName leaves what a provider that stopped between
// creating the group at GitHub and recording its id leaves behind: the group
// exists, the resource says a create was pending and has no external name.
// The restarted provider adopts that group instead of making a second one.
func TestRestartBeforeExternalName(t *testing.T) {
	e := newEnv(t)

	// First run: the provider creates the group, then is stopped.
	stop := e.StartProvider(t)
	first := runnerGroup(e, "first", v1alpha1.RunnerGroupParameters{Name: "restarted", Visibility: v1alpha1.RunnerGroupVisibilityAll})
	e.Create(t, first)
	e.WaitReady(t, first)
	stop()
	created := externalID(t, first)

	e.RewindToCreatePending(t, first)

	e.Sim.ResetCounters()
	e.StartProvider(t)
	e.WaitAdoptedByName(t, first, strconv.FormatInt(created, 10))
	assertOneGroupNamed(t, e, "restarted")
	if n := e.Sim.Counters().Calls("POST /api/v3/orgs/{org}/actions/runner-groups"); n != 0 {
		t.Errorf("groups created after the restart: want 0, got %d", n)
	}
}

func assertOneGroupNamed(t *testing.T, e *providertest.Env, name string) {
	t.Helper()
	groups, err := e.GitHub.ListRunnerGroups(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, g := range groups {
		if strings.EqualFold(g.Name, name) {
			n++
		}
	}
	if n != 1 {
		t.Errorf("groups named %q at GitHub: want 1, got %d (%+v)", name, n, groups)
	}
}

// The errors below each end in a condition a person can act on, and the
// provider backs off instead of calling GitHub in a loop.

// maxCallsPerWindow bounds the calls a failing resource may make in
// errorWindow. A reconcile costs one to three calls; the controller's backoff
// starts at one second and doubles, with polls every two seconds at most.
const (
	errorWindow       = 10 * time.Second
	maxCallsPerWindow = 20
)

func TestMissingSecret(t *testing.T) {
	e := newEnv(t)
	e.Create(t, e.PATProviderConfig("no-secret", "does-not-exist", e.OrgURL()))
	e.StartProvider(t)

	rg := runnerGroup(e, "orphan", v1alpha1.RunnerGroupParameters{Name: "orphan"})
	rg.Spec.ProviderConfigReference.Name = "no-secret"
	e.Create(t, rg)
	secret := fmt.Sprintf("credentials Secret %s/does-not-exist", e.Namespace)
	e.WaitCondition(t, rg, xpv2.TypeSynced, corev1.ConditionFalse, secret)
	pc := &arcv1alpha1.ProviderConfig{ObjectMeta: metav1.ObjectMeta{Namespace: e.Namespace, Name: "no-secret"}}
	e.WaitCondition(t, pc, xpv2.TypeReady, corev1.ConditionFalse, secret)
	testenv.Eventually(t, providertest.Timeout, "warning event on the ProviderConfig", func(ctx context.Context) (bool, error) {
		events := &corev1.EventList{}
		if err := e.Client.List(ctx, events, client.InNamespace(e.Namespace)); err != nil {
			return false, err
		}
		for _, ev := range events.Items {
			if ev.InvolvedObject.Kind == arcv1alpha1.ProviderConfigKind && ev.InvolvedObject.Name == pc.Name &&
				ev.Type == corev1.EventTypeWarning && strings.Contains(ev.Message, secret) {
				return true, nil
			}
		}
		return false, nil
	})
	if n := e.CallsDuring(t, errorWindow); n != 0 {
		t.Errorf("calls at GitHub without credentials: want 0, got %d", n)
	}
}

func TestMalformedSecretKey(t *testing.T) {
	e := newEnv(t)
	bad := e.AppSecret("bad-app", e.AppKeyPEM)
	bad.StringData[arcv1alpha1.DefaultInstallationIDKey] = "my-installation"
	e.Create(t, bad)
	e.Create(t, e.AppProviderConfig("bad-app", "bad-app"))
	e.StartProvider(t)

	rg := runnerGroup(e, "orphan", v1alpha1.RunnerGroupParameters{Name: "orphan"})
	rg.Spec.ProviderConfigReference.Name = "bad-app"
	e.Create(t, rg)
	e.WaitCondition(t, rg, xpv2.TypeSynced, corev1.ConditionFalse, `key "github_app_installation_id"`, "must hold a positive integer")
	pc := &arcv1alpha1.ProviderConfig{ObjectMeta: metav1.ObjectMeta{Namespace: e.Namespace, Name: "bad-app"}}
	e.WaitCondition(t, pc, xpv2.TypeReady, corev1.ConditionFalse, `key "github_app_installation_id"`)
}

func TestWrongAppKey(t *testing.T) {
	e := newEnv(t)
	e.Create(t, e.AppSecret("wrong-key", providertest.NewRSAKeyPEM(t)))
	e.Create(t, e.AppProviderConfig("wrong-key", "wrong-key"))
	e.StartProvider(t)

	rg := runnerGroup(e, "orphan", v1alpha1.RunnerGroupParameters{Name: "orphan"})
	rg.Spec.ProviderConfigReference.Name = "wrong-key"
	e.Create(t, rg)
	e.WaitCondition(t, rg, xpv2.TypeSynced, corev1.ConditionFalse, "401")
	const mint = "POST /api/v3/app/installations/{installation_id}/access_tokens"
	if n := e.CallsDuring(t, errorWindow, mint); n > maxCallsPerWindow {
		t.Errorf("installation token requests with a wrong key in %s: want at most %d, got %d", errorWindow, maxCallsPerWindow, n)
	}
}

func TestRateLimited(t *testing.T) {
	e := newEnv(t)
	if err := e.Sim.SetFaults(simulator.Faults{
		SecondaryRateLimited: true, RateLimitStatus: 429, SecondaryRetryAfter: simulator.Duration(time.Second),
	}); err != nil {
		t.Fatal(err)
	}
	e.StartProvider(t)

	rg := runnerGroup(e, "limited", v1alpha1.RunnerGroupParameters{Name: "limited"})
	e.Create(t, rg)
	e.WaitCondition(t, rg, xpv2.TypeSynced, corev1.ConditionFalse, "rate limit")
	if n := e.CallsDuring(t, errorWindow); n > maxCallsPerWindow {
		t.Errorf("calls at a rate-limited GitHub in %s: want at most %d, got %d", errorWindow, maxCallsPerWindow, n)
	}

	// Once GitHub lets calls through again, the group is created without
	// anyone touching it: the backoff is bounded.
	if err := e.Sim.SetFaults(simulator.Faults{}); err != nil {
		t.Fatal(err)
	}
	e.WaitConditionWithin(t, providertest.RecoveryTimeout, rg, xpv2.TypeReady, corev1.ConditionTrue)
}

// TestInvalidSpecs are refused by the API server, with a message that says why.
func TestInvalidSpecs(t *testing.T) {
	e := newEnv(t)
	cases := map[string]struct {
		reason string
		params v1alpha1.RunnerGroupParameters
		want   string
	}{
		"EmptyName": {
			reason: "A group needs a name.",
			params: v1alpha1.RunnerGroupParameters{Name: ""},
			want:   "runner group name must not be empty",
		},
		"UnknownVisibility": {
			reason: "Visibility is all, selected or private.",
			params: v1alpha1.RunnerGroupParameters{Name: "x", Visibility: "public"},
			want:   `Unsupported value: "public": supported values: "all", "selected", "private"`,
		},
		"RepositoriesWithoutSelected": {
			reason: "Repositories are only selected with visibility selected.",
			params: v1alpha1.RunnerGroupParameters{Name: "x", Visibility: v1alpha1.RunnerGroupVisibilityAll, SelectedRepositories: []v1alpha1.RepositoryName{"api"}},
			want:   "selectedRepositories can only be set when visibility is selected",
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			rg := runnerGroup(e, strings.ToLower(name), tc.params)
			err := e.Client.Create(t.Context(), rg)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("%s\nCreate: want an error containing %q, got %v", tc.reason, tc.want, err)
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }
