package listener

import (
	"context"
	"net/http"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/actions/scaleset"
	"github.com/go-logr/logr"
	"github.com/google/go-cmp/cmp"
	dto "github.com/prometheus/client_model/go"
)

// The exported names, types and label names are ARC's listener's, so ARC's
// dashboards find them; available and acquired jobs are the additions.
func TestMetricsAreARCs(t *testing.T) {
	m := NewMetrics(ScaleSetLabels{Name: "linux", Namespace: "ci", Organization: "octo"})
	m.SetBounds(1, 10)
	m.SetStatistics(&scaleset.RunnerScaleSetStatistic{})
	m.SetDesiredRunners(1)
	started := &scaleset.JobStarted{RunnerID: 7, RunnerName: "r-7", JobMessageBase: jobBase(1)}
	m.JobStarted(started)
	completed := &scaleset.JobCompleted{Result: "succeeded", RunnerID: 7, RunnerName: "r-7", JobMessageBase: jobBase(1)}
	completed.FinishTime = completed.RunnerAssignTime.Add(90 * time.Second)
	m.JobCompleted(completed)

	scaleSetLabels := []string{"enterprise", "name", "namespace", "organization", "repository"}
	jobLabels := []string{"enterprise", "event_name", "job_name", "job_workflow_ref", "organization", "repository", "runner_id", "runner_name"}
	withResult := append(slices.Clone(jobLabels), "job_result")
	slices.Sort(withResult)
	type family struct {
		Type   dto.MetricType
		Labels []string
	}
	gauge := family{dto.MetricType_GAUGE, scaleSetLabels}
	want := map[string]family{
		"gha_available_jobs":                 gauge,
		"gha_acquired_jobs":                  gauge,
		"gha_assigned_jobs":                  gauge,
		"gha_running_jobs":                   gauge,
		"gha_registered_runners":             gauge,
		"gha_busy_runners":                   gauge,
		"gha_idle_runners":                   gauge,
		"gha_min_runners":                    gauge,
		"gha_max_runners":                    gauge,
		"gha_desired_runners":                gauge,
		"gha_started_jobs_total":             {dto.MetricType_COUNTER, jobLabels},
		"gha_completed_jobs_total":           {dto.MetricType_COUNTER, withResult},
		"gha_job_startup_duration_seconds":   {dto.MetricType_HISTOGRAM, jobLabels},
		"gha_job_execution_duration_seconds": {dto.MetricType_HISTOGRAM, withResult},
	}

	families, err := m.Registry().Gather()
	if err != nil {
		t.Fatalf("Gather: %v", err)
	}
	got := map[string]family{}
	for _, f := range families {
		var labels []string
		for _, lp := range f.GetMetric()[0].GetLabel() {
			labels = append(labels, lp.GetName())
		}
		got[f.GetName()] = family{f.GetType(), labels}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("metric families: -want, +got:\n%s", diff)
	}

	for _, f := range families {
		switch f.GetName() {
		case "gha_job_startup_duration_seconds":
			// jobBase: assigned to the scale set at +1 s, to the runner at +3 s.
			checkHistogram(t, f, 2)
		case "gha_job_execution_duration_seconds":
			checkHistogram(t, f, 90)
		}
	}
}

func checkHistogram(t *testing.T, f *dto.MetricFamily, wantSum float64) {
	t.Helper()
	h := f.GetMetric()[0].GetHistogram()
	if h.GetSampleCount() != 1 || h.GetSampleSum() != wantSum {
		t.Errorf("%s: want one sample of %v, got %d summing to %v", f.GetName(), wantSum, h.GetSampleCount(), h.GetSampleSum())
	}
	var bounds []float64
	for _, b := range h.GetBucket() {
		bounds = append(bounds, b.GetUpperBound())
	}
	if diff := cmp.Diff(jobDurationBuckets, bounds); diff != "" {
		t.Errorf("%s buckets: -want (ARC's), +got:\n%s", f.GetName(), diff)
	}
}

// A job whose times the service did not report is counted, but its duration
// is not observed: ARC would record the distance to year 1.
func TestUnknownDurationsAreNotObserved(t *testing.T) {
	m := NewMetrics(ScaleSetLabels{Name: "linux"})
	started := &scaleset.JobStarted{RunnerName: "r", JobMessageBase: scaleset.JobMessageBase{RunnerAssignTime: t0}}
	m.JobStarted(started)
	if got := metricSum(t, m.Registry(), "gha_started_jobs_total"); got != 1 {
		t.Errorf("gha_started_jobs_total: want 1, got %v", got)
	}
	families, err := m.Registry().Gather()
	if err != nil {
		t.Fatalf("Gather: %v", err)
	}
	for _, f := range families {
		if f.GetName() == "gha_job_startup_duration_seconds" {
			t.Errorf("gha_job_startup_duration_seconds: want no observation, got %d", f.GetMetric()[0].GetHistogram().GetSampleCount())
		}
	}
}

func TestHealthEndpoints(t *testing.T) {
	var ready atomic.Bool
	s, err := NewServers("127.0.0.1:0", "127.0.0.1:0", NewMetrics(ScaleSetLabels{}), ready.Load, logr.Discard())
	if err != nil {
		t.Fatalf("NewServers: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		s.Serve(ctx)
		close(done)
	}()
	defer func() {
		cancel()
		<-done
	}()

	get := func(url string) int {
		resp, err := http.Get(url) //nolint:noctx // a local probe
		if err != nil {
			t.Fatalf("GET %s: %v", url, err)
		}
		defer resp.Body.Close()
		return resp.StatusCode
	}
	type probe struct{ healthz, readyz, metrics int }
	check := func(reason string, want probe) {
		t.Helper()
		got := probe{
			healthz: get("http://" + s.HealthAddr + "/healthz"),
			readyz:  get("http://" + s.HealthAddr + "/readyz"),
			metrics: get("http://" + s.MetricsAddr + "/metrics"),
		}
		if diff := cmp.Diff(want, got, cmp.AllowUnexported(probe{})); diff != "" {
			t.Errorf("%s: -want, +got:\n%s", reason, diff)
		}
	}
	check("without a session the listener is alive but not ready", probe{http.StatusOK, http.StatusServiceUnavailable, http.StatusOK})
	ready.Store(true)
	check("with a session it is ready", probe{http.StatusOK, http.StatusOK, http.StatusOK})
}
