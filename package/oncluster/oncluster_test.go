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

// Package oncluster_test installs the packages with real Crossplane on a local
// cluster of its own, made for the package's tests and removed after them, and runs
// teams' runner pools through it. It is a package of its own so that the render and
// validate tests of package/ do not depend on the whole provider compiling.
package oncluster_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	actionsv1alpha1 "github.com/arc-crossplane/provider-github-arc/apis/actions/v1alpha1"
	runnersv1alpha1 "github.com/arc-crossplane/provider-github-arc/apis/runners/v1alpha1"
	"github.com/arc-crossplane/provider-github-arc/cluster/demo"
	"github.com/arc-crossplane/provider-github-arc/cluster/testenv"
	"github.com/arc-crossplane/provider-github-arc/internal/controller/autoscalinglistener"
	"github.com/arc-crossplane/provider-github-arc/internal/simulator/simclient"
)

// world is the cluster with Crossplane and the installed packages that every test
// of the package uses; worldErr is why it could not be made.
var (
	world    *demo.Env
	worldErr error
)

// TestMain lets the demo environment re-execute this test binary as the listener
// shim, and makes the package's cluster (named for this run, with Crossplane, its
// registry and the packages) before the tests and removes it after them, pass or
// fail: nothing of it remains where other packages run their own managers.
func TestMain(m *testing.M) {
	demo.RunRoleIfAsked()
	code := func() int {
		if os.Getenv(testenv.EnvKubeconfig) == "" {
			// Plain `go test ./...`: the tests skip themselves.
			return m.Run()
		}
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
		defer cancel()
		logf := func(format string, args ...any) { fmt.Fprintf(os.Stderr, "world: "+format+"\n", args...) }
		world, worldErr = demo.Start(ctx, demo.Options{
			ClusterName: fmt.Sprintf("arc-e2e-%d", os.Getpid()), Nodes: 4, Progress: logf,
		})
		if world != nil {
			defer func() {
				cctx, ccancel := context.WithTimeout(context.Background(), 10*time.Minute)
				defer ccancel()
				if err := world.Close(cctx); err != nil {
					logf("closing: %v", err)
				}
			}()
		}
		return m.Run()
	}()
	os.Exit(code)
}

// getWorld is the package's cluster, or fails the test with why it is missing.
func getWorld(t *testing.T) *demo.Env {
	t.Helper()
	if os.Getenv(testenv.EnvKubeconfig) == "" {
		t.Skipf("%s is not set: `make test` runs this test on a local cluster of its own", testenv.EnvKubeconfig)
	}
	if worldErr != nil {
		t.Fatalf("cannot start the cluster with Crossplane and the packages: %v", worldErr)
	}
	return world
}

// TestCrossplaneTeams: Crossplane composes team-a's namespaced AutoscalingRunnerSet
// (a runner group of its own) and team-b's AutoscalingRunnerSetClaim (an existing
// group, dind mode); 20 jobs of each team run once each, on the team's own runners;
// team-a's listener token cannot touch team-b's runner set; deleting both leaves
// nothing in the cluster or at GitHub.
func TestCrossplaneTeams(t *testing.T) {
	env := getWorld(t)
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Minute)
	defer cancel()

	// team-b.yaml uses the existing group "builders", which the platform made.
	if err := env.EnsureRunnerGroup(ctx, "builders"); err != nil {
		t.Fatal(err)
	}
	teams, err := env.AddTeams(ctx,
		demo.TeamSpec{Name: "e2e-team-a", Example: "examples/teams/team-a.yaml", MaxRunners: 5},
		demo.TeamSpec{Name: "e2e-team-b", Example: "examples/teams/team-b.yaml", MaxRunners: 5, Claim: true},
	)
	if err != nil {
		t.Fatalf("cannot add the teams: %v", err)
	}
	for _, team := range teams {
		if err := team.WaitReady(ctx, 4*time.Minute); err != nil {
			t.Fatalf("team %s is not ready: %v", team.Namespace, err)
		}
		t.Logf("%s %s ready %s after it was created", team.Namespace, team.Object.GetKind(), time.Since(team.Created).Round(100*time.Millisecond))
	}
	teamA, teamB := teams[0], teams[1]
	if teamA.ScaleSetID() == teamB.ScaleSetID() {
		t.Fatalf("both teams have scale set %d", teamA.ScaleSetID())
	}

	runTeamsJobs(ctx, t, env, teams, 20)
	listenerSpeaksForItsTeamOnly(ctx, t, env, teamA, teamB)
	usagesHoldTheScaleSet(ctx, t, env, teamA)

	for _, team := range teams {
		if err := team.Delete(ctx); err != nil {
			t.Errorf("deleting %s: %v", team.Namespace, err)
		}
	}
	st, err := env.SimClient.ActionsState(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(st.ScaleSets) != 0 || len(st.Runners) != 0 {
		t.Errorf("after both teams went, the service still has %d scale sets and %d runners", len(st.ScaleSets), len(st.Runners))
	}
}

// runTeamsJobs submits n jobs per team, each asking for the team's scale set by
// name, and checks that each ran once, on a runner pod of its team.
func runTeamsJobs(ctx context.Context, t *testing.T, env *demo.Env, teams []*demo.Team, n int) {
	t.Helper()
	want := map[int64]*demo.Team{}
	var ids []int64
	for _, team := range teams {
		for i := range n {
			j, err := env.SimClient.SubmitJob(ctx, simclient.JobSpec{
				Repository: demo.Repository, Labels: []string{team.ScaleSetName}, Duration: "1s",
				DisplayName: fmt.Sprintf("%s #%d", team.Namespace, i+1),
				WorkflowRef: demo.Repository + "/.github/workflows/ci.yaml@refs/heads/main",
			})
			if err != nil {
				t.Fatalf("cannot submit a job: %v", err)
			}
			want[j.ID] = team
			ids = append(ids, j.ID)
		}
	}
	wctx, wcancel := context.WithTimeout(ctx, 5*time.Minute)
	defer wcancel()
	jobs, err := env.SimClient.WaitJobs(wctx, simclient.JobCompleted, ids...)
	if err != nil {
		t.Fatalf("the jobs did not all complete: %v", err)
	}
	done := map[int64]simclient.Job{}
	for _, j := range jobs {
		done[j.ID] = j
	}
	runnerPods := map[string]string{}
	for _, p := range env.Pods.Pods() {
		runnerPods[p.Name] = p.Namespace
	}
	for id, team := range want {
		j, ok := done[id]
		if !ok {
			t.Errorf("job %d of %s is missing from the simulator's jobs", id, team.Namespace)
			continue
		}
		if int64(j.ScaleSetID) != team.ScaleSetID() {
			t.Errorf("job %d of %s ran on scale set %d, want the team's %d", id, team.Namespace, j.ScaleSetID, team.ScaleSetID())
		}
		if ns := runnerPods[j.RunnerName]; ns != team.Namespace {
			t.Errorf("job %d of %s ran on runner %q, whose pod is in namespace %q", id, team.Namespace, j.RunnerName, ns)
		}
		if j.Runs != 1 {
			t.Errorf("job %d of %s ran %d times, want once", id, team.Namespace, j.Runs)
		}
	}

}

// usagesHoldTheScaleSet: the function's Usages, enforced by Crossplane core's
// webhook that the API server calls, refuse deleting a team's scale set while its
// listener and runners use it (a dry run, so nothing goes).
func usagesHoldTheScaleSet(ctx context.Context, t *testing.T, env *demo.Env, team *demo.Team) {
	t.Helper()
	sets := &actionsv1alpha1.RunnerScaleSetList{}
	if err := env.Kube.List(ctx, sets, client.InNamespace(team.Namespace)); err != nil || len(sets.Items) != 1 {
		t.Fatalf("the scale sets of %s: %v (%d)", team.Namespace, err, len(sets.Items))
	}
	err := env.Kube.Delete(ctx, &sets.Items[0], client.DryRunAll)
	if err == nil || !strings.Contains(err.Error(), "in-use by") {
		t.Errorf("deleting %s's RunnerScaleSet while its listener runs: got %v, want Crossplane's webhook to refuse it for its Usages", team.Namespace, err)
	}
}

// listenerSpeaksForItsTeamOnly: team-a's listener, with its ServiceAccount's token,
// may patch its own runner set (a dry run, to leave the listener's numbers alone)
// and not team-b's.
func listenerSpeaksForItsTeamOnly(ctx context.Context, t *testing.T, env *demo.Env, teamA, teamB *demo.Team) {
	t.Helper()
	// The composed objects are named after the composite, which for a claim is
	// the claim's name with a suffix: each namespace has one of each.
	only := func(list client.ObjectList, ns string) {
		t.Helper()
		if err := env.Kube.List(ctx, list, client.InNamespace(ns)); err != nil {
			t.Fatal(err)
		}
		if n := meta.LenList(list); n != 1 {
			t.Fatalf("%T in %s: %d items, want 1", list, ns, n)
		}
	}
	listeners, ownSets, otherSets := &runnersv1alpha1.AutoscalingListenerList{}, &runnersv1alpha1.EphemeralRunnerSetList{}, &runnersv1alpha1.EphemeralRunnerSetList{}
	only(listeners, teamA.Namespace)
	only(ownSets, teamA.Namespace)
	only(otherSets, teamB.Namespace)
	listenerA := &listeners.Items[0]
	tr, err := env.Clients.CoreV1().ServiceAccounts(teamA.Namespace).CreateToken(ctx, autoscalinglistener.ServiceAccountName(listenerA),
		&authenticationv1.TokenRequest{Spec: authenticationv1.TokenRequestSpec{ExpirationSeconds: ptr.To[int64](600)}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("cannot request a token for team-a's listener: %v", err)
	}
	cfg := rest.AnonymousClientConfig(env.Cluster.Config)
	cfg.BearerToken = tr.Status.Token
	asListenerA, err := client.New(cfg, client.Options{Scheme: env.Cluster.Scheme})
	if err != nil {
		t.Fatal(err)
	}
	patch := client.RawPatch(types.MergePatchType, []byte(`{"spec":{"replicas":2,"patchID":999}}`))
	own := &ownSets.Items[0]
	if err := asListenerA.Patch(ctx, own, patch, client.DryRunAll); err != nil {
		t.Errorf("team-a's listener cannot patch its own runner set: %v", err)
	}
	other := &otherSets.Items[0]
	if err := asListenerA.Patch(ctx, other, patch, client.DryRunAll); !apierrors.IsForbidden(err) {
		t.Errorf("team-a's listener patching team-b's runner set: got %v, want Forbidden", err)
	}
}
