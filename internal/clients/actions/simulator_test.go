package actions

import (
	"context"
	"testing"
	"time"

	"github.com/actions/scaleset"
	"github.com/google/go-cmp/cmp"

	"github.com/arc-crossplane/provider-github-arc/internal/simulator"
	"github.com/arc-crossplane/provider-github-arc/internal/simulator/simclient"
)

// TestThroughSimulator runs the whole flow against the full simulator (REST side,
// auth, tenants and the Actions Service together), as every later test will.
func TestThroughSimulator(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	const pat = "ghp_simulatorcontract"
	srv, err := simulator.Start(ctx, simulator.Options{
		Faults: simulator.Faults{LongPollTimeout: simulator.Duration(time.Second)},
		Setup: simulator.Setup{
			// Private: the Default group does not admit public repositories.
			Orgs: []simulator.OrgSpec{{Login: "octo", Repositories: []simulator.RepoSpec{{Name: "app", Private: true}}}},
			PATs: []simulator.PATSpec{{Token: pat, Orgs: []string{"octo"}}},
		},
	})
	if err != nil {
		t.Fatalf("simulator.Start: %v", err)
	}
	defer func() { _ = srv.Close() }()

	c, err := New(Config{ConfigURL: srv.URL + "/octo", Token: pat, CABundle: srv.CACertPEM, Retry: &Retry{Max: 0}})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	sim, err := simclient.New(srv.URL, srv.CACertPEM)
	if err != nil {
		t.Fatalf("simclient.New: %v", err)
	}

	group, err := c.GetRunnerGroupByName(ctx, "Default")
	if err != nil || group.ID != 1 {
		t.Fatalf("GetRunnerGroupByName: got %+v, %v", group, err)
	}
	ss, err := c.CreateScaleSet(ctx, ScaleSetSpec{Name: "sim-linux", RunnerGroupID: group.ID})
	if err != nil {
		t.Fatalf("CreateScaleSet: %v", err)
	}
	session, err := c.MessageSessionClient(ctx, ss.ID, "listener")
	if err != nil {
		t.Fatalf("MessageSessionClient: %v", err)
	}
	defer func() { _ = session.Close(context.Background()) }()
	if _, err := c.MessageSessionClient(ctx, ss.ID, "listener-2"); !IsConflict(err) {
		t.Errorf("second session: want a conflict, got %v", err)
	}

	job, err := sim.SubmitJob(ctx, simclient.JobSpec{Repository: "octo/app", Labels: []string{"sim-linux"}, Duration: "10ms"})
	if err != nil {
		t.Fatalf("SubmitJob: %v", err)
	}
	if diff := cmp.Diff([]int{ss.ID}, job.MatchingScaleSets); diff != "" {
		t.Errorf("scale sets matching the queued job: -want, +got:\n%s", diff)
	}
	msg := getMessage(ctx, t, session, 0)
	if len(msg.JobAvailableMessages) != 1 || msg.JobAvailableMessages[0].JobID != job.JobID {
		t.Fatalf("want JobAvailable for job %s, got %+v", job.JobID, msg)
	}
	if _, err := session.AcquireJobs(ctx, []int64{msg.JobAvailableMessages[0].RunnerRequestID}); err != nil {
		t.Fatalf("AcquireJobs: %v", err)
	}
	msg = getMessage(ctx, t, session, msg.MessageID)
	if len(msg.JobAssignedMessages) != 1 {
		t.Fatalf("want JobAssigned, got %+v", msg)
	}

	jit, err := c.GenerateJITConfig(ctx, ss.ID, "sim-runner", "")
	if err != nil {
		t.Fatalf("GenerateJITConfig: %v", err)
	}
	res, err := sim.RunRunner(ctx, jit.EncodedJITConfig, 10*time.Second)
	if err != nil || res.JobID != job.ID || res.Result != simclient.ResultSucceeded {
		t.Fatalf("RunRunner: got %+v, %v", res, err)
	}

	var started, completed bool
	for !completed {
		msg = getMessage(ctx, t, session, msg.MessageID)
		started = started || len(msg.JobStartedMessages) == 1
		completed = len(msg.JobCompletedMessages) == 1
	}
	if !started {
		t.Errorf("no JobStarted before JobCompleted")
	}
	if diff := cmp.Diff(scaleset.RunnerScaleSetStatistic{}, *msg.Statistics); diff != "" {
		t.Errorf("statistics after the job: -want, +got:\n%s", diff)
	}
	if err := c.DeleteScaleSet(ctx, ss.ID); err != nil {
		t.Errorf("DeleteScaleSet: %v", err)
	}
}
