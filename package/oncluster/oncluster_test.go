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

// Package oncluster_test runs what the configuration renders for two teams
// on the local cluster. It is a package of its own so that the render and
// validate tests of package/ do not depend on the whole provider compiling.
package oncluster_test

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	runnersv1alpha1 "github.com/arc-crossplane/provider-github-arc/apis/runners/v1alpha1"
	"github.com/arc-crossplane/provider-github-arc/cluster/demo"
	"github.com/arc-crossplane/provider-github-arc/cluster/testenv"
	"github.com/arc-crossplane/provider-github-arc/internal/controller/autoscalinglistener"
	"github.com/arc-crossplane/provider-github-arc/internal/simulator/simclient"
)

// TestMain lets the demo environment re-execute this test binary in the roles
// it needs (the listener shim, the embedded provider).
func TestMain(m *testing.M) {
	demo.RunRoleIfAsked()
	os.Exit(m.Run())
}

// TestTeamsOnTheLocalCluster applies what the function renders for team-a
// (a runner group of its own) and team-b (an existing group, dind mode) on the
// local cluster, with the provider, the stand-in and the GitHub simulator:
// each team's jobs run on its own runners, and team-a's listener token cannot
// touch team-b's runner set.
func TestTeamsOnTheLocalCluster(t *testing.T) {
	if os.Getenv(testenv.EnvKubeconfig) == "" {
		t.Skipf("%s is not set: `make test` runs this test on the local cluster", testenv.EnvKubeconfig)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()

	env, err := demo.Start(ctx, demo.Options{Progress: t.Logf})
	if err != nil {
		t.Fatalf("cannot start the provider, the simulator and the stand-in: %v", err)
	}
	t.Cleanup(func() {
		cctx, ccancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer ccancel()
		if err := env.Close(cctx); err != nil {
			t.Logf("closing the environment: %v", err)
		}
	})
	// team-b.yaml uses the existing group "builders", which the platform made.
	if err := env.EnsureRunnerGroup(ctx, "builders"); err != nil {
		t.Fatal(err)
	}
	suffix := fmt.Sprintf("%d", time.Now().UnixNano()%100000)
	teams, err := env.AddTeams(ctx,
		demo.TeamSpec{Name: "it7-team-a-" + suffix, Example: "examples/teams/team-a.yaml", MaxRunners: 2},
		demo.TeamSpec{Name: "it7-team-b-" + suffix, Example: "examples/teams/team-b.yaml", MaxRunners: 2},
	)
	if err != nil {
		t.Fatalf("cannot add the teams: %v", err)
	}
	for _, team := range teams {
		if err := team.WaitReady(ctx, 4*time.Minute); err != nil {
			t.Fatalf("team %s is not ready: %v", team.Namespace, err)
		}
	}
	teamA, teamB := teams[0], teams[1]
	if teamA.ScaleSetID() == teamB.ScaleSetID() {
		t.Fatalf("both teams have scale set %d", teamA.ScaleSetID())
	}

	// Two jobs per team, each asking for the team's scale set by name.
	want := map[int64]*demo.Team{}
	var ids []int64
	for _, team := range teams {
		for i := range 2 {
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
	wctx, wcancel := context.WithTimeout(ctx, 4*time.Minute)
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

	// team-a's listener speaks for team-a only: with its ServiceAccount's
	// token it may patch its own runner set (a dry run, to leave the
	// listener's numbers alone) and not team-b's.
	listenerA := &runnersv1alpha1.AutoscalingListener{ObjectMeta: metav1.ObjectMeta{Namespace: teamA.Namespace, Name: teamA.Namespace}}
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
	own := &runnersv1alpha1.EphemeralRunnerSet{ObjectMeta: metav1.ObjectMeta{Namespace: teamA.Namespace, Name: teamA.Namespace}}
	if err := asListenerA.Patch(ctx, own, patch, client.DryRunAll); err != nil {
		t.Errorf("team-a's listener cannot patch its own runner set: %v", err)
	}
	other := &runnersv1alpha1.EphemeralRunnerSet{ObjectMeta: metav1.ObjectMeta{Namespace: teamB.Namespace, Name: teamB.Namespace}}
	if err := asListenerA.Patch(ctx, other, patch, client.DryRunAll); !apierrors.IsForbidden(err) {
		t.Errorf("team-a's listener patching team-b's runner set: got %v, want Forbidden", err)
	}
}
