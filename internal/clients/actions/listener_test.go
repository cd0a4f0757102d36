package actions

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/actions/scaleset"
	"github.com/actions/scaleset/listener"

	simactions "github.com/arc-crossplane/provider-github-arc/internal/simulator/actions"
	"github.com/arc-crossplane/provider-github-arc/internal/simulator/actions/actionstest"
	"github.com/arc-crossplane/provider-github-arc/internal/simulator/simclient"
)

// runnerScaler is the smallest autoscaler: it keeps as many runners alive as the
// service has assigned jobs, up to max, and plays each runner through the
// simulator's admin API, as the pod stand-in will.
type runnerScaler struct {
	t          *testing.T
	ctx        context.Context
	client     *ScalesetClient
	sim        *simclient.Client
	scaleSetID int
	max        int

	mu      sync.Mutex
	alive   int
	created int
	peak    int // highest assigned count the listener was told
	wg      sync.WaitGroup
}

func (s *runnerScaler) HandleJobStarted(context.Context, *scaleset.JobStarted) error     { return nil }
func (s *runnerScaler) HandleJobCompleted(context.Context, *scaleset.JobCompleted) error { return nil }

func (s *runnerScaler) HandleDesiredRunnerCount(ctx context.Context, assigned int) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.peak = max(s.peak, assigned)
	target := min(assigned, s.max)
	for s.alive < target {
		s.created++
		jit, err := s.client.GenerateJITConfig(ctx, s.scaleSetID, fmt.Sprintf("runner-%d", s.created), "")
		if err != nil {
			return 0, err
		}
		s.alive++
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			// A runner that gets no job before the test ends is canceled with
			// the test's context; that is not a failure.
			if _, err := s.sim.RunRunner(s.ctx, jit.EncodedJITConfig, 0); err != nil && s.ctx.Err() == nil {
				s.t.Errorf("RunRunner: %v", err)
			}
			s.mu.Lock()
			s.alive--
			s.mu.Unlock()
		}()
	}
	return target, nil
}

// runJobs runs scaleset's own listener on scale set ss with a runnerScaler of at most
// maxRunners, submits jobs jobs for its name, waits until all completed, stops
// everything, and returns the completed jobs and the scaler.
func runJobs(ctx context.Context, t *testing.T, c *ScalesetClient, sim *simclient.Client, ss *ScaleSet, jobs, maxRunners int) ([]simclient.Job, *runnerScaler) {
	t.Helper()
	session, err := c.MessageSessionClient(ctx, ss.ID, "listener")
	if err != nil {
		t.Fatalf("MessageSessionClient: %v", err)
	}
	l, err := listener.New(session, listener.Config{ScaleSetID: ss.ID, MaxRunners: maxRunners})
	if err != nil {
		t.Fatalf("listener.New: %v", err)
	}
	runCtx, stopRunners := context.WithCancel(ctx)
	scaler := &runnerScaler{t: t, ctx: runCtx, client: c, sim: sim, scaleSetID: ss.ID, max: maxRunners}
	listenCtx, stopListener := context.WithCancel(ctx)
	listenDone := make(chan error, 1)
	go func() { listenDone <- l.Run(listenCtx, scaler) }()

	var ids []int64
	for i := range jobs {
		j, err := sim.SubmitJob(ctx, simclient.JobSpec{Repository: "octo/app", Labels: []string{ss.Name}, Duration: "20ms", DisplayName: fmt.Sprintf("job-%d", i)})
		if err != nil {
			t.Fatalf("SubmitJob: %v", err)
		}
		ids = append(ids, j.ID)
	}
	done, err := sim.WaitJobs(ctx, simclient.JobCompleted, ids...)
	if err != nil {
		t.Fatalf("WaitJobs: %v", err)
	}
	if len(done) != jobs {
		// The callers check every completed job: a short list would let
		// a job that never ran pass unchecked.
		t.Fatalf("WaitJobs: want %d completed jobs, got %d", jobs, len(done))
	}

	stopListener()
	if err := <-listenDone; !errors.Is(err, context.Canceled) {
		t.Errorf("listener.Run: want context.Canceled, got %v", err)
	}
	stopRunners()
	scaler.wg.Wait()
	_ = session.Close(ctx)
	return done, scaler
}

func TestListenerRunsEveryJobOnce(t *testing.T) {
	const (
		jobs       = 8
		maxRunners = 3
	)
	srv := actionstest.NewServer(t, func(cfg *simactions.Config) { cfg.LongPollTimeout = 300 * time.Millisecond })
	c := newTestClient(t, srv)
	sim := newSimClient(t, srv)
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()

	ss, err := c.CreateScaleSet(ctx, ScaleSetSpec{Name: "busy", RunnerGroupID: 1})
	if err != nil {
		t.Fatalf("CreateScaleSet: %v", err)
	}
	done, scaler := runJobs(ctx, t, c, sim, ss, jobs, maxRunners)

	for _, j := range done {
		if j.Runs != 1 || j.Result != simclient.ResultSucceeded || j.ScaleSetID != ss.ID {
			t.Errorf("job %d: want one successful run on scale set %d, got %+v", j.ID, ss.ID, j)
		}
	}
	if scaler.peak > maxRunners {
		t.Errorf("assigned jobs peaked at %d, above the listener's capacity %d", scaler.peak, maxRunners)
	}
	if scaler.peak == 0 {
		t.Errorf("the listener never saw an assigned job")
	}
}
