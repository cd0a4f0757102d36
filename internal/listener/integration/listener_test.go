package integration

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/arc-crossplane/provider-github-arc/cluster/testenv"
	"github.com/arc-crossplane/provider-github-arc/internal/simulator"
	"github.com/arc-crossplane/provider-github-arc/internal/simulator/simclient"
)

// Jobs raise the EphemeralRunnerSet's replicas up to maxRunners, the runners
// run every job once (the listener recording each job on its runner), and
// replicas fall back to minRunners.
func TestReplicasFollowJobs(t *testing.T) {
	const (
		minRunners = 1
		maxRunners = 4
		jobs       = 12
	)
	w := newWorld(t, minRunners, maxRunners)
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()

	l := w.startListener("listener-pod")
	l.waitReady(t, 30*time.Second)
	w.waitReplicas(t, minRunners)

	// No runner yet: the jobs pile up, the listener acquires maxRunners of
	// them, and the replicas reach the cap whatever the machine's speed.
	ids := w.submit(jobs, 300*time.Millisecond)
	w.waitReplicas(t, maxRunners)
	p := w.play(ctx, 2*time.Second, false)
	done, err := w.sim.WaitJobs(ctx, simclient.JobCompleted, ids...)
	if err != nil {
		t.Fatalf("jobs did not complete: %v", err)
	}
	for _, j := range done {
		if j.Runs != 1 || j.Result != simclient.ResultSucceeded {
			t.Errorf("job %d: ran %d times with result %q; want once, succeeded", j.ID, j.Runs, j.Result)
		}
	}
	w.waitReplicas(t, minRunners)
	cancel()

	// The player saw every value from the cap on: none above it.
	history := p.replicaHistory()
	if peak := slices.Max(history); peak != maxRunners {
		t.Errorf("peak replicas: want maxRunners %d, got %d (history %v)", maxRunners, peak, history)
	}
	for _, err := range p.failures() {
		t.Errorf("runner: %v", err)
	}
	if w.srv.Counters().Status(acquireJobs, http.StatusOK) == 0 {
		t.Errorf("no successful acquirejobs call was counted")
	}
	m := l.scrape(t)
	if got := m.sum("gha_started_jobs_total"); got != jobs {
		t.Errorf("gha_started_jobs_total: want %d, got %v", jobs, got)
	}
	if got := m.sum("gha_completed_jobs_total"); got != jobs {
		t.Errorf("gha_completed_jobs_total: want %d, got %v", jobs, got)
	}
}

// A second listener of the same scale set waits on the 409 without giving up,
// and takes over once the first one stops (and deletes its session).
func TestSecondListenerTakesOver(t *testing.T) {
	w := newWorld(t, 0, 5)
	ctx := t.Context()

	first := w.startListener("listener-a")
	first.waitReady(t, 30*time.Second)
	second := w.startListener("listener-b")

	// The second polls for a session in vain: it must still be waiting,
	// not ready, after several conflicts.
	base := w.srv.Counters().Status(sessionCreate, http.StatusConflict)
	testenv.Eventually(t, 30*time.Second, "the second listener meets the conflict three times", func(context.Context) (bool, error) {
		return w.srv.Counters().Status(sessionCreate, http.StatusConflict)-base >= 3, nil
	})
	if code := probe(ctx, "http://"+second.servers.HealthAddr+"/readyz"); code != http.StatusServiceUnavailable {
		t.Errorf("second listener /readyz while the first holds the session: want 503, got %d", code)
	}
	if owner, err := w.sessionOwner(ctx); err != nil || owner != "listener-a" {
		t.Fatalf("session owner: want listener-a, got %q (%v)", owner, err)
	}

	first.stop()
	second.waitReady(t, 30*time.Second)
	if owner, err := w.sessionOwner(ctx); err != nil || owner != "listener-b" {
		t.Fatalf("session owner after the takeover: want listener-b, got %q (%v)", owner, err)
	}
	w.jobIsAcquired(t)
}

// A session the service ended is replaced without a restart, and the new one
// serves jobs.
func TestLostSessionHeals(t *testing.T) {
	w := newWorld(t, 0, 5)
	l := w.startListener("listener-pod")
	l.waitReady(t, 30*time.Second)
	before := l.l.SessionID()

	w.endSession(t.Context())
	testenv.Eventually(t, 30*time.Second, "a new session", func(context.Context) (bool, error) {
		id := l.l.SessionID()
		return id != "" && id != before, nil
	})
	w.jobIsAcquired(t)
}

// Expired message-queue tokens are refreshed in place: the session survives
// several expiries and keeps serving jobs.
func TestExpiringQueueTokensAreRefreshed(t *testing.T) {
	w := newWorld(t, 0, 5, func(f *simulator.Faults) { f.MQTokenTTL = simulator.Duration(1500 * time.Millisecond) })
	l := w.startListener("listener-pod")
	l.waitReady(t, 30*time.Second)
	session := l.l.SessionID()

	testenv.Eventually(t, 30*time.Second, "three session refreshes", func(context.Context) (bool, error) {
		return w.srv.Counters().Status(sessionRefresh, http.StatusOK) >= 3, nil
	})
	if got := l.l.SessionID(); got != session {
		t.Errorf("session: want %s kept across token refreshes, got %s", session, got)
	}
	w.jobIsAcquired(t)
}

// When every token the service issued expires at once, mid-stream (the admin
// token too, which the library renews only by its own clock), the listener
// builds a fresh client, deletes its own stale session with it (nobody else
// does: the simulator keeps idle sessions), and serves the rest of the jobs
// from a new session. The runners' side renews through the provider's
// client cache. Every job runs once.
func TestExpiredTokensHeal(t *testing.T) {
	const (
		maxRunners = 4
		jobs       = 12
	)
	w := newWorld(t, 0, maxRunners)
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()
	l := w.startListener("listener-pod")
	l.waitReady(t, 30*time.Second)
	before := l.l.SessionID()

	// Lenient: a JobStarted still queued in the expired session is lost with
	// it, so its runner may never get its job recorded.
	p := w.play(ctx, 2*time.Second, true)
	ids := w.submit(jobs, 300*time.Millisecond)
	testenv.Eventually(t, 2*time.Minute, "a quarter of the jobs completed", func(ctx context.Context) (bool, error) {
		n, err := w.completed(ctx, ids)
		return n >= jobs/4, err
	})
	if n, err := w.completed(ctx, ids); err != nil || n == jobs {
		t.Fatalf("completed jobs before the expiry: %d of %d (%v): the test proves nothing", n, jobs, err)
	}
	deleted := w.srv.Counters().Status(sessionDelete, http.StatusNoContent)

	w.srv.ExpireTokens()
	testenv.Eventually(t, time.Minute, "a new session", func(context.Context) (bool, error) {
		id := l.l.SessionID()
		return id != "" && id != before, nil
	})
	if got := w.srv.Counters().Status(sessionDelete, http.StatusNoContent) - deleted; got != 1 {
		t.Errorf("sessions deleted between the expiry and the new session: want the stale one, by the listener; got %d", got)
	}
	done, err := w.sim.WaitJobs(ctx, simclient.JobCompleted, ids...)
	if err != nil {
		t.Fatalf("jobs did not complete after the expiry: %v", err)
	}
	for _, j := range done {
		if j.Runs != 1 || j.Result != simclient.ResultSucceeded {
			t.Errorf("job %d: ran %d times with result %q; want once, succeeded", j.ID, j.Runs, j.Result)
		}
	}
	cancel()
	for _, err := range p.failures() {
		t.Errorf("runner: %v", err)
	}
}

// The scraped gauges equal the service's statistics at a moment when nothing
// moves: jobs held back by maxRunners, runners registered, busy and offline.
func TestScrapedMetricsEqualStatistics(t *testing.T) {
	const (
		minRunners = 1
		maxRunners = 3
	)
	w := newWorld(t, minRunners, maxRunners)
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	l := w.startListener("listener-pod")
	l.waitReady(t, 30*time.Second)

	ids := w.submit(5, time.Hour)
	testenv.Eventually(t, 30*time.Second, "maxRunners jobs assigned", func(ctx context.Context) (bool, error) {
		st, err := w.scaleSetState(ctx)
		return err == nil && st.Statistics.TotalAssignedJobs == maxRunners, err
	})
	// Two runners start a job each; a third is registered but never comes
	// online.
	for i := range 3 {
		jit, err := w.actions.GenerateJITConfig(ctx, w.scaleSet.ID, fmt.Sprintf("manual-%d", i), "")
		if err != nil {
			t.Fatalf("GenerateJITConfig: %v", err)
		}
		if i == 2 {
			continue
		}
		r, err := w.sim.ConnectRunner(ctx, jit.EncodedJITConfig)
		if err != nil {
			t.Fatalf("ConnectRunner: %v", err)
		}
		if j, err := w.sim.RunnerJob(ctx, r.ID, 10*time.Second); err != nil || j == nil {
			t.Fatalf("RunnerJob: got %v, %v", j, err)
		}
	}
	want := simclient.Statistics{
		TotalAvailableJobs: 2, TotalAssignedJobs: 3, TotalRunningJobs: 2,
		TotalRegisteredRunners: 3, TotalBusyRunners: 2,
	}
	w.metricsMatch(t, l, want, DesiredFor(minRunners, maxRunners, want.TotalAssignedJobs))
	// The envelope with the latest statistics may come before the second
	// JobStarted, which then arrives in the next one.
	testenv.Eventually(t, 30*time.Second, "both started jobs counted", func(context.Context) (bool, error) {
		got := l.scrape(t).sum("gha_started_jobs_total")
		if got > 2 {
			return false, fmt.Errorf("gha_started_jobs_total is %v, more jobs than started", got)
		}
		return got == 2, nil
	})

	// Everything ends and the set is back at its floor. The listener hears
	// statistics only in messages, so what sends none (canceling a queued
	// job, removing a runner that never connected) goes first, and the
	// cancellations of assigned jobs, which send JobCompleted, last.
	var assignedIDs []int64
	for _, id := range ids {
		j, err := w.sim.Job(ctx, id)
		if err != nil {
			t.Fatalf("job %d: %v", id, err)
		}
		if j.State != simclient.JobQueued {
			assignedIDs = append(assignedIDs, id)
			continue
		}
		if _, err := w.sim.CancelJob(ctx, id); err != nil {
			t.Fatalf("CancelJob %d: %v", id, err)
		}
	}
	st, err := w.sim.ActionsState(ctx)
	if err != nil {
		t.Fatalf("ActionsState: %v", err)
	}
	for _, r := range st.Runners {
		if r.ScaleSetID == w.scaleSet.ID && r.Status == "offline" {
			if err := w.actions.RemoveRunner(ctx, int64(r.ID)); err != nil {
				t.Fatalf("RemoveRunner %d: %v", r.ID, err)
			}
		}
	}
	for _, id := range assignedIDs {
		if _, err := w.sim.CancelJob(ctx, id); err != nil {
			t.Fatalf("CancelJob %d: %v", id, err)
		}
	}
	w.metricsMatch(t, l, simclient.Statistics{}, minRunners)
}

// DesiredFor is the scaling rule the tests expect, written out again.
func DesiredFor(minRunners, maxRunners, assigned int) int {
	return min(minRunners+assigned, maxRunners)
}

// Endpoint patterns of the simulator's call counters.
const (
	sessionCreate      = "POST /_actions/{tenant}/_apis/runtime/runnerscalesets/{id}/sessions"
	sessionRefresh     = "PATCH /_actions/{tenant}/_apis/runtime/runnerscalesets/{id}/sessions/{session}"
	sessionDelete      = "DELETE /_actions/{tenant}/_apis/runtime/runnerscalesets/{id}/sessions/{session}"
	runnerRegistration = "POST /api/v3/actions/runner-registration"
	acquireJobs        = "POST /_actions/{tenant}/_apis/runtime/runnerscalesets/{id}/acquirejobs"
)

func (w *world) waitReplicas(t *testing.T, want int) {
	t.Helper()
	testenv.Eventually(t, time.Minute, fmt.Sprintf("spec.replicas = %d", want), func(ctx context.Context) (bool, error) {
		ers, err := w.runnerSet(ctx)
		if err != nil {
			return false, err
		}
		if int(ers.Spec.Replicas) != want {
			return false, fmt.Errorf("spec.replicas is %d", ers.Spec.Replicas)
		}
		return true, nil
	})
}

// jobIsAcquired submits a job and waits until the listener got it assigned
// to the scale set (in acquire mode only a listener's acquirejobs does that).
func (w *world) jobIsAcquired(t *testing.T) {
	t.Helper()
	ids := w.submit(1, time.Millisecond)
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	j, err := w.sim.WaitJob(ctx, ids[0], simclient.JobAssigned)
	if err != nil {
		t.Fatalf("job not acquired: %v", err)
	}
	if j.ScaleSetID != w.scaleSet.ID {
		t.Fatalf("job assigned to scale set %d, want %d", j.ScaleSetID, w.scaleSet.ID)
	}
}

// metricsMatch waits until the listener heard of the statistics of the
// moment (they are stable: nothing moves), then compares every gauge.
func (w *world) metricsMatch(t *testing.T, l *inProcess, want simclient.Statistics, desired int) {
	t.Helper()
	testenv.Eventually(t, 30*time.Second, "the simulator reaches the expected statistics", func(ctx context.Context) (bool, error) {
		st, err := w.scaleSetState(ctx)
		if err != nil {
			return false, err
		}
		if diff := cmp.Diff(want, st.Statistics); diff != "" {
			return false, fmt.Errorf("-want, +got:\n%s", diff)
		}
		return true, nil
	})
	wantGauges := map[string]float64{
		"gha_available_jobs":     float64(want.TotalAvailableJobs),
		"gha_acquired_jobs":      float64(want.TotalAcquiredJobs),
		"gha_assigned_jobs":      float64(want.TotalAssignedJobs),
		"gha_running_jobs":       float64(want.TotalRunningJobs),
		"gha_registered_runners": float64(want.TotalRegisteredRunners),
		"gha_busy_runners":       float64(want.TotalBusyRunners),
		"gha_idle_runners":       float64(want.TotalIdleRunners),
		"gha_min_runners":        float64(w.min),
		"gha_max_runners":        float64(w.max),
		"gha_desired_runners":    float64(desired),
	}
	testenv.Eventually(t, 30*time.Second, "scraped gauges equal the statistics", func(context.Context) (bool, error) {
		m := l.scrape(t)
		got := map[string]float64{}
		for name := range wantGauges {
			got[name] = m.sum(name)
		}
		if diff := cmp.Diff(wantGauges, got); diff != "" {
			return false, fmt.Errorf("-want, +got:\n%s", diff)
		}
		for name := range wantGauges {
			if err := m.hasScaleSetLabels(name, w); err != nil {
				return false, err
			}
		}
		return true, nil
	})
}

// scraped is one scrape of /metrics.
type scraped map[string]*dto.MetricFamily

func (p *inProcess) scrape(t *testing.T) scraped {
	t.Helper()
	resp, err := http.Get("http://" + p.servers.MetricsAddr + "/metrics") //nolint:noctx // a local scrape
	if err != nil {
		t.Fatalf("scrape: %v", err)
	}
	defer resp.Body.Close()
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("parse scrape: %v", err)
	}
	return families
}

func (s scraped) sum(name string) float64 {
	var v float64
	for _, m := range s[name].GetMetric() {
		v += m.GetCounter().GetValue() + m.GetGauge().GetValue()
	}
	return v
}

// hasScaleSetLabels checks the labels ARC's dashboards select on.
func (s scraped) hasScaleSetLabels(name string, w *world) error {
	f := s[name]
	if len(f.GetMetric()) != 1 {
		return fmt.Errorf("%s: want one series, got %d", name, len(f.GetMetric()))
	}
	got := map[string]string{}
	for _, lp := range f.GetMetric()[0].GetLabel() {
		got[lp.GetName()] = lp.GetValue()
	}
	want := map[string]string{"name": w.scaleSet.Name, "namespace": w.ns, "organization": org, "repository": "", "enterprise": ""}
	if diff := cmp.Diff(want, got); diff != "" {
		return fmt.Errorf("%s labels: -want, +got:\n%s", name, diff)
	}
	return nil
}

// At maxRunners 0 the listener announces no capacity and acquires nothing
// (ARC acquires anyway, issue 3446): the jobs stay queued for other scale
// sets, and the set stays at zero.
func TestZeroMaxRunnersAcquiresNothing(t *testing.T) {
	w := newWorld(t, 0, 0)
	l := w.startListener("listener-pod")
	l.waitReady(t, 30*time.Second)
	ids := w.submit(3, time.Millisecond)

	testenv.Eventually(t, 30*time.Second, "the listener handled every message", func(ctx context.Context) (bool, error) {
		st, err := w.scaleSetState(ctx)
		if err != nil || st.Session == nil {
			return false, err
		}
		s := st.Session
		return st.Statistics.TotalAvailableJobs == 3 && s.PendingMessages == 0 && s.QueuedEvents == 0 && s.Polling, nil
	})
	st, err := w.scaleSetState(t.Context())
	if err != nil {
		t.Fatalf("simulator state: %v", err)
	}
	if st.Capacity != 0 {
		t.Errorf("capacity announced: want 0, got %d", st.Capacity)
	}
	for _, id := range ids {
		j, err := w.sim.Job(t.Context(), id)
		if err != nil {
			t.Fatalf("job %d: %v", id, err)
		}
		if j.State != simclient.JobQueued {
			t.Errorf("job %d: want queued, got %s", id, j.State)
		}
	}
	if counts := w.srv.Counters().Calls(acquireJobs); counts != 0 {
		t.Errorf("acquirejobs calls: want none, got %d", counts)
	}
	w.waitReplicas(t, 0)
}
