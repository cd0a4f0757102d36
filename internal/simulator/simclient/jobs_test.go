package simclient_test

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/actions/scaleset"
	"github.com/google/go-cmp/cmp"

	"github.com/arc-crossplane/provider-github-arc/internal/simulator/actions"
	"github.com/arc-crossplane/provider-github-arc/internal/simulator/actions/actionstest"
	"github.com/arc-crossplane/provider-github-arc/internal/simulator/simclient"
)

// The admin routes of the Actions Service through simclient, over HTTPS, with the
// real scaleset client on the GitHub side.

type fixture struct {
	srv     *actionstest.Server
	sim     *simclient.Client
	gh      *scaleset.Client
	ss      *scaleset.RunnerScaleSet
	session *scaleset.MessageSessionClient
	ctx     context.Context
}

// newFixture serves the Actions Service in auto-assign mode (no acquire needed)
// with scale set "linux" and a listener session on it.
func newFixture(t *testing.T) *fixture {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	srv := actionstest.NewServer(t, func(c *actions.Config) { c.AutoAssign = true })
	sim, err := simclient.New(srv.URL, srv.CAPEM)
	if err != nil {
		t.Fatalf("simclient.New: %v", err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(srv.CAPEM)
	gh, err := scaleset.NewClientWithPersonalAccessToken(scaleset.NewClientWithPersonalAccessTokenConfig{
		GitHubConfigURL: srv.ConfigURL("octo"), PersonalAccessToken: actionstest.PAT,
	}, scaleset.WithRootCAs(pool), scaleset.WithRetryMax(0))
	if err != nil {
		t.Fatalf("scaleset client: %v", err)
	}
	ss, err := gh.CreateRunnerScaleSet(ctx, &scaleset.RunnerScaleSet{Name: "linux", RunnerGroupID: 1})
	if err != nil {
		t.Fatalf("CreateRunnerScaleSet: %v", err)
	}
	session, err := gh.MessageSessionClient(ctx, ss.ID, "listener")
	if err != nil {
		t.Fatalf("MessageSessionClient: %v", err)
	}
	return &fixture{srv: srv, sim: sim, gh: gh, ss: ss, session: session, ctx: ctx}
}

func (f *fixture) jit(t *testing.T, name string) string {
	t.Helper()
	cfg, err := f.gh.GenerateJitRunnerConfig(f.ctx, &scaleset.RunnerScaleSetJitRunnerSetting{Name: name}, f.ss.ID)
	if err != nil {
		t.Fatalf("GenerateJitRunnerConfig: %v", err)
	}
	return cfg.EncodedJITConfig
}

func (f *fixture) submit(t *testing.T, spec simclient.JobSpec) *simclient.Job {
	t.Helper()
	if spec.Repository == "" {
		spec.Repository = "octo/app"
	}
	if spec.Labels == nil {
		spec.Labels = []string{"linux"}
	}
	j, err := f.sim.SubmitJob(f.ctx, spec)
	if err != nil {
		t.Fatalf("SubmitJob: %v", err)
	}
	return j
}

func TestRunRunnerPlaysAWholeRunner(t *testing.T) {
	f := newFixture(t)
	job := f.submit(t, simclient.JobSpec{Duration: "20ms", Result: simclient.ResultFailed, DisplayName: "test"})
	if job.State != simclient.JobQueued && job.State != simclient.JobAssigned {
		t.Errorf("submitted job: state %s", job.State)
	}

	res, err := f.sim.RunRunner(f.ctx, f.jit(t, "runner-1"), 10*time.Second)
	if err != nil {
		t.Fatalf("RunRunner: %v", err)
	}
	if res.JobID != job.ID || res.Result != simclient.ResultFailed || res.ExitCode != 0 || res.RunnerName != "runner-1" {
		t.Errorf("RunRunner: got %+v, want job %d failed, exit code 0", res, job.ID)
	}
	done, err := f.sim.Job(f.ctx, job.ID)
	if err != nil {
		t.Fatalf("Job: %v", err)
	}
	if done.State != simclient.JobCompleted || done.Runs != 1 || done.RunnerName != "runner-1" || done.ScaleSetID != f.ss.ID ||
		done.StartedAt == nil || done.CompletedAt == nil || done.CompletedAt.Sub(*done.StartedAt) < 20*time.Millisecond {
		t.Errorf("job after the run: got %+v", done)
	}
	if _, err := f.sim.ConnectRunner(f.ctx, f.jit(t, "runner-2")); err != nil {
		t.Fatalf("ConnectRunner: %v", err)
	}
	st, err := f.sim.ActionsState(f.ctx)
	if err != nil {
		t.Fatalf("ActionsState: %v", err)
	}
	if len(st.ScaleSets) != 1 || st.ScaleSets[0].Session == nil || st.ScaleSets[0].Capacity <= 0 {
		t.Fatalf("state: got %+v", st)
	}
	want := simclient.Statistics{TotalRegisteredRunners: 1, TotalIdleRunners: 1}
	if diff := cmp.Diff(want, st.ScaleSets[0].Statistics); diff != "" {
		t.Errorf("statistics: the ephemeral runner is gone, the new one idle: -want, +got:\n%s", diff)
	}
	if diff := cmp.Diff(map[simclient.JobState]int{simclient.JobCompleted: 1}, st.Jobs); diff != "" {
		t.Errorf("job counts: -want, +got:\n%s", diff)
	}
}

func TestVanishedRunnerJobIsReassigned(t *testing.T) {
	f := newFixture(t)
	job := f.submit(t, simclient.JobSpec{})

	first, err := f.sim.ConnectRunner(f.ctx, f.jit(t, "first"))
	if err != nil {
		t.Fatalf("ConnectRunner: %v", err)
	}
	started, err := f.sim.RunnerJob(f.ctx, first.ID, 10*time.Second)
	if err != nil || started == nil || started.ID != job.ID || started.State != simclient.JobStarted {
		t.Fatalf("RunnerJob: got %+v, %v", started, err)
	}
	gone, err := f.sim.DisconnectRunner(f.ctx, first.ID)
	if err != nil || gone.Status != "offline" || !gone.Spent {
		t.Fatalf("DisconnectRunner: got %+v, %v", gone, err)
	}
	requeued, err := f.sim.Job(f.ctx, job.ID)
	if err != nil {
		t.Fatalf("Job: %v", err)
	}
	if requeued.State == simclient.JobStarted || requeued.Attempts != 2 || requeued.RunnerRequestID == started.RunnerRequestID {
		t.Errorf("job after its runner vanished: got %+v", requeued)
	}

	res, err := f.sim.RunRunner(f.ctx, f.jit(t, "second"), 10*time.Second)
	if err != nil || res.JobID != job.ID {
		t.Fatalf("RunRunner: got %+v, %v", res, err)
	}
	done, err := f.sim.WaitJob(f.ctx, job.ID, simclient.JobCompleted)
	if err != nil {
		t.Fatalf("WaitJob: %v", err)
	}
	if done.Runs != 2 || done.RunnerName != "second" || done.Result != simclient.ResultSucceeded {
		t.Errorf("job after reassignment: got %+v", done)
	}
	if _, err := f.sim.ConnectRunner(f.ctx, f.jit(t, "third")); err != nil {
		t.Fatalf("ConnectRunner(third): %v", err)
	}
}

func TestRunnerWithoutJob(t *testing.T) {
	f := newFixture(t)
	res, err := f.sim.RunRunner(f.ctx, f.jit(t, "lonely"), 50*time.Millisecond)
	if err != nil {
		t.Fatalf("RunRunner: %v", err)
	}
	if res.JobID != 0 || res.Job != nil || res.ExitCode != 0 {
		t.Errorf("RunRunner without a job: got %+v", res)
	}
	j, err := f.sim.RunnerJob(f.ctx, res.RunnerID, 10*time.Millisecond)
	if err != nil || j != nil {
		t.Errorf("RunnerJob without a job: got %+v, %v; want nil, nil", j, err)
	}
}

func TestWaitJobs(t *testing.T) {
	f := newFixture(t)
	var ids []int64
	for range 3 {
		ids = append(ids, f.submit(t, simclient.JobSpec{}).ID)
	}
	short, cancel := context.WithTimeout(f.ctx, 100*time.Millisecond)
	defer cancel()
	if _, err := f.sim.WaitJobs(short, simclient.JobCompleted, ids...); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("WaitJobs with no runner: want a deadline error, got %v", err)
	}

	var runners sync.WaitGroup
	defer runners.Wait()
	for i := range ids {
		jit := f.jit(t, fmt.Sprintf("r-%d", i))
		runners.Go(func() {
			// Errors surface as jobs that never complete.
			_, _ = f.sim.RunRunner(f.ctx, jit, 10*time.Second)
		})
	}
	jobs, err := f.sim.WaitJobs(f.ctx, simclient.JobCompleted)
	if err != nil {
		t.Fatalf("WaitJobs: %v", err)
	}
	if len(jobs) != len(ids) {
		t.Fatalf("WaitJobs: got %d jobs, want %d", len(jobs), len(ids))
	}
	for _, j := range jobs {
		if j.Runs != 1 {
			t.Errorf("job %d ran %d times, want once", j.ID, j.Runs)
		}
	}
}

func TestCompleteAndCancel(t *testing.T) {
	f := newFixture(t)
	queued := f.submit(t, simclient.JobSpec{Labels: []string{"nobody-serves-this"}})
	if queued.MatchingScaleSets == nil || len(queued.MatchingScaleSets) != 0 {
		t.Errorf("a job nobody serves: want an empty list of matching scale sets, got %v", queued.MatchingScaleSets)
	}
	canceled, err := f.sim.CancelJob(f.ctx, queued.ID)
	if err != nil || canceled.State != simclient.JobCompleted || canceled.Result != simclient.ResultCanceled || canceled.Runs != 0 {
		t.Errorf("CancelJob of a queued job: got %+v, %v", canceled, err)
	}
	var se *simclient.StatusError
	if _, err := f.sim.CompleteJob(f.ctx, queued.ID, ""); !errors.As(err, &se) || se.Status != http.StatusConflict {
		t.Errorf("CompleteJob of a completed job: want 409, got %v", err)
	}

	running := f.submit(t, simclient.JobSpec{Duration: "1h"})
	rn, err := f.sim.ConnectRunner(f.ctx, f.jit(t, "r"))
	if err != nil {
		t.Fatalf("ConnectRunner: %v", err)
	}
	if j, err := f.sim.RunnerJob(f.ctx, rn.ID, 10*time.Second); err != nil || j == nil {
		t.Fatalf("RunnerJob: %v", err)
	}
	done, err := f.sim.CompleteJob(f.ctx, running.ID, simclient.ResultSucceeded)
	if err != nil || done.Result != simclient.ResultSucceeded || done.Runs != 1 {
		t.Errorf("CompleteJob of a running job: got %+v, %v", done, err)
	}
	if _, err := f.gh.GetRunner(f.ctx, rn.ID); !errors.Is(err, scaleset.RunnerNotFoundError) {
		t.Errorf("the runner after its job: want not found, got %v", err)
	}
}

func TestAdminErrors(t *testing.T) {
	f := newFixture(t)
	removedJIT := f.jit(t, "removed")
	removed, err := f.gh.GetRunnerByName(f.ctx, "removed")
	if err != nil || removed == nil {
		t.Fatalf("GetRunnerByName: %v", err)
	}
	if err := f.gh.RemoveRunner(f.ctx, int64(removed.ID)); err != nil {
		t.Fatalf("RemoveRunner: %v", err)
	}

	cases := map[string]struct {
		reason string
		call   func() error
		want   int
	}{
		"BadRepository": {
			reason: "A repository must be owner/name.",
			call: func() error {
				_, err := f.sim.SubmitJob(f.ctx, simclient.JobSpec{Repository: "app", Labels: []string{"linux"}})
				return err
			},
			want: http.StatusUnprocessableEntity,
		},
		"NoLabels": {
			reason: "A job needs runs-on labels.",
			call: func() error {
				_, err := f.sim.SubmitJob(f.ctx, simclient.JobSpec{Repository: "octo/app", Labels: []string{}})
				return err
			},
			want: http.StatusUnprocessableEntity,
		},
		"BadDuration": {
			reason: "The duration is a Go duration.",
			call: func() error {
				_, err := f.sim.SubmitJob(f.ctx, simclient.JobSpec{Repository: "octo/app", Labels: []string{"x"}, Duration: "soon"})
				return err
			},
			want: http.StatusUnprocessableEntity,
		},
		"UnknownOrganization": {
			reason: "No tenant serves the repository.",
			call: func() error {
				_, err := f.sim.SubmitJob(f.ctx, simclient.JobSpec{Repository: "ghost/app", Labels: []string{"x"}})
				return err
			},
			want: http.StatusUnprocessableEntity,
		},
		"UnknownJob": {
			reason: "Reading a job that does not exist is 404.",
			call:   func() error { _, err := f.sim.Job(f.ctx, 999); return err },
			want:   http.StatusNotFound,
		},
		"GarbageJIT": {
			reason: "A JIT config must be one this simulator issued.",
			call:   func() error { _, err := f.sim.ConnectRunner(f.ctx, "bm90IGEgY29uZmln"); return err },
			want:   http.StatusBadRequest,
		},
		"RemovedRunner": {
			reason: "The JIT config of a removed runner no longer works.",
			call:   func() error { _, err := f.sim.ConnectRunner(f.ctx, removedJIT); return err },
			want:   http.StatusNotFound,
		},
		"UnknownRunner": {
			reason: "Disconnecting a runner that does not exist is 404.",
			call:   func() error { _, err := f.sim.DisconnectRunner(f.ctx, 999); return err },
			want:   http.StatusNotFound,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			err := tc.call()
			var se *simclient.StatusError
			if !errors.As(err, &se) || se.Status != tc.want {
				t.Errorf("%s\ngot %v, want status %d", tc.reason, err, tc.want)
			}
		})
	}
	if !simclient.IsNotFound(cases["UnknownJob"].call()) {
		t.Errorf("IsNotFound: want true for a 404")
	}
}
