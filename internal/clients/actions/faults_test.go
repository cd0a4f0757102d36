package actions

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/arc-crossplane/provider-github-arc/internal/simulator"
	"github.com/arc-crossplane/provider-github-arc/internal/simulator/simclient"
)

const faultsPAT = "ghp_faultscontract"

// startFaultySimulator starts the full simulator with one org whose Default group
// serves the private repository octo/app, under faults.
func startFaultySimulator(t *testing.T, faults simulator.Faults) (*simulator.Server, *simclient.Client) {
	t.Helper()
	srv, err := simulator.Start(t.Context(), simulator.Options{
		Seed:   7,
		Faults: faults,
		Setup: simulator.Setup{
			Orgs: []simulator.OrgSpec{{Login: "octo", Repositories: []simulator.RepoSpec{{Name: "app", Private: true}}}},
			PATs: []simulator.PATSpec{{Token: faultsPAT, Orgs: []string{"octo"}}},
		},
	})
	if err != nil {
		t.Fatalf("simulator.Start: %v", err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	sim, err := simclient.New(srv.URL, srv.CACertPEM)
	if err != nil {
		t.Fatalf("simclient.New: %v", err)
	}
	return srv, sim
}

// With one GitHub call in ten answered 503, the library's own retries carry the whole
// flow: registration, scale set, session, long poll, acquisition, JIT configs, runner
// removal. Every job runs exactly once.
func TestFlowCompletesUnderServerErrors(t *testing.T) {
	const jobs, maxRunners = 10, 4
	srv, sim := startFaultySimulator(t, simulator.Faults{
		ErrorRate:       0.1,
		ErrorStatus:     http.StatusServiceUnavailable,
		LongPollTimeout: simulator.Duration(300 * time.Millisecond),
	})
	ctx, cancel := context.WithTimeout(t.Context(), 2*testTimeout)
	defer cancel()

	// Short waits between retries keep the test quick; the retry count is what
	// carries it through a run of bad luck (0.1^9 per call).
	c, err := New(Config{ConfigURL: srv.URL + "/octo", Token: faultsPAT, CABundle: srv.CACertPEM,
		Retry: &Retry{Max: 8, WaitMax: 20 * time.Millisecond}})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	ss, err := c.CreateScaleSet(ctx, ScaleSetSpec{Name: "faulty", RunnerGroupID: 1})
	if err != nil {
		t.Fatalf("CreateScaleSet: %v", err)
	}
	done, _ := runJobs(ctx, t, c, sim, ss, jobs, maxRunners)

	for _, j := range done {
		if j.Runs != 1 || j.Result != simclient.ResultSucceeded {
			t.Errorf("job %d: want one successful run, got %+v", j.ID, j)
		}
	}
	counters, err := sim.Counters(ctx)
	if err != nil {
		t.Fatalf("Counters: %v", err)
	}
	var calls, injected int64
	for _, e := range counters.Endpoints {
		calls += e.Total
		injected += e.Statuses["503"]
	}
	// The seeded RNG makes this deterministic; the bound only proves faults happened.
	if injected == 0 {
		t.Errorf("no 503 among %d GitHub calls: the fault was not in force", calls)
	}
	t.Logf("%d GitHub calls, %d answered 503 and retried", calls, injected)
}

// A 429 with Retry-After is waited out by the library before it tries again.
func TestTooManyRequestsIsWaitedOut(t *testing.T) {
	const retryAfter = time.Second
	srv, sim := startFaultySimulator(t, simulator.Faults{})
	ctx := testContext(t)
	c, err := New(Config{ConfigURL: srv.URL + "/octo", Token: faultsPAT, CABundle: srv.CACertPEM,
		Retry: &Retry{Max: 2, WaitMax: 10 * time.Millisecond}})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	ss, err := c.CreateScaleSet(ctx, ScaleSetSpec{Name: "limited", RunnerGroupID: 1})
	if err != nil {
		t.Fatalf("CreateScaleSet: %v", err)
	}

	const endpoint = "GET /_actions/{tenant}/_apis/runtime/runnerscalesets/{id}"
	if err := sim.UpdateFaults(ctx, func(f *simulator.Faults) {
		f.Forced = []simulator.ForcedResponse{{Endpoint: endpoint, Status: http.StatusTooManyRequests, Count: 1, RetryAfter: simulator.Duration(retryAfter)}}
	}); err != nil {
		t.Fatalf("UpdateFaults: %v", err)
	}
	if err := sim.ResetCounters(ctx); err != nil {
		t.Fatalf("ResetCounters: %v", err)
	}
	start := time.Now()
	got, err := c.GetScaleSetByID(ctx, ss.ID)
	elapsed := time.Since(start)
	if err != nil || got.ID != ss.ID {
		t.Fatalf("GetScaleSetByID after a 429: got %+v, %v", got, err)
	}
	counters, err := sim.Counters(ctx)
	if err != nil {
		t.Fatalf("Counters: %v", err)
	}
	if n429, n200 := counters.Status(endpoint, http.StatusTooManyRequests), counters.Status(endpoint, http.StatusOK); n429 != 1 || n200 != 1 {
		t.Errorf("%s: want one 429 then one 200, got %d and %d", endpoint, n429, n200)
	}
	// A lower bound only: the retry came no sooner than the server asked, even though
	// the client's own backoff cap is 10 ms.
	if elapsed < retryAfter {
		t.Errorf("retried after %s, before the Retry-After of %s", elapsed, retryAfter)
	}
}
