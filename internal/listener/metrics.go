package listener

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/actions/scaleset"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metric and label names are ARC's listener's (gha-runner-scale-set), so that
// ARC's Grafana dashboards work unchanged.
const (
	metricsSubsystem = "gha"

	labelName         = "name"
	labelNamespace    = "namespace"
	labelEnterprise   = "enterprise"
	labelOrganization = "organization"
	labelRepository   = "repository"
	labelJobName      = "job_name"
	labelWorkflowRef  = "job_workflow_ref"
	labelEventName    = "event_name"
	labelJobResult    = "job_result"
	labelRunnerID     = "runner_id"
	labelRunnerName   = "runner_name"
)

var (
	scaleSetLabelNames = []string{labelName, labelRepository, labelOrganization, labelEnterprise, labelNamespace}
	jobLabelNames      = []string{labelRepository, labelOrganization, labelEnterprise, labelJobName, labelWorkflowRef, labelEventName}
	startedLabelNames  = append(append([]string{}, jobLabelNames...), labelRunnerID, labelRunnerName)
	finishedLabelNames = append(append([]string{}, jobLabelNames...), labelJobResult, labelRunnerID, labelRunnerName)
)

// jobDurationBuckets are ARC's buckets for job startup and execution times,
// in seconds: fine below ten seconds, up to an hour.
var jobDurationBuckets = []float64{
	0.01, 0.05, 0.1, 0.5, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 12, 15, 18, 20, 25, 30,
	40, 50, 60, 70, 80, 90, 100, 110, 120, 150, 180, 210, 240, 300, 360, 420,
	480, 540, 600, 900, 1200, 1800, 2400, 3000, 3600,
}

// ScaleSetLabels identify the scale set on every gauge, as ARC labels them.
type ScaleSetLabels struct {
	Name, Namespace                      string
	Enterprise, Organization, Repository string
}

// ScaleSetLabelsFor derives the labels from the scale set's name, the
// namespace of its EphemeralRunnerSet and its GitHub config URL
// (https://HOST/ORG, https://HOST/ORG/REPO or https://HOST/enterprises/ENT).
func ScaleSetLabelsFor(name, namespace, configURL string) ScaleSetLabels {
	l := ScaleSetLabels{Name: name, Namespace: namespace}
	u, err := url.Parse(configURL)
	if err != nil {
		return l
	}
	parts := strings.Split(strings.Trim(u.Path, "/"), "/")
	switch {
	case len(parts) == 2 && strings.EqualFold(parts[0], "enterprises"):
		l.Enterprise = parts[1]
	case len(parts) == 2:
		l.Organization, l.Repository = parts[0], parts[1]
	case len(parts) == 1:
		l.Organization = parts[0]
	}
	return l
}

// Metrics are the listener's Prometheus metrics, in a registry of their own:
// nothing but them (no Go runtime metrics) is exported, as in ARC.
type Metrics struct {
	registry   *prometheus.Registry
	enterprise string
	scaleSet   prometheus.Labels

	availableJobs, acquiredJobs, assignedJobs, runningJobs *prometheus.GaugeVec
	registeredRunners, busyRunners, idleRunners            *prometheus.GaugeVec
	minRunners, maxRunners, desiredRunners                 *prometheus.GaugeVec
	startedJobs, completedJobs                             *prometheus.CounterVec
	startupDuration, executionDuration                     *prometheus.HistogramVec
}

// NewMetrics returns the metrics of one scale set, registered in a new
// registry.
func NewMetrics(l ScaleSetLabels) *Metrics {
	gauge := func(name, help string) *prometheus.GaugeVec {
		return prometheus.NewGaugeVec(prometheus.GaugeOpts{Subsystem: metricsSubsystem, Name: name, Help: help}, scaleSetLabelNames)
	}
	m := &Metrics{
		registry:   prometheus.NewRegistry(),
		enterprise: l.Enterprise,
		scaleSet: prometheus.Labels{
			labelName: l.Name, labelNamespace: l.Namespace,
			labelEnterprise: l.Enterprise, labelOrganization: l.Organization, labelRepository: l.Repository,
		},
		availableJobs:     gauge("available_jobs", "Number of jobs matching this scale set that no scale set has acquired or been assigned yet."),
		acquiredJobs:      gauge("acquired_jobs", "Number of jobs this scale set acquired that are not assigned yet."),
		assignedJobs:      gauge("assigned_jobs", "Number of jobs assigned to this scale set."),
		runningJobs:       gauge("running_jobs", "Number of jobs running (or about to be run)."),
		registeredRunners: gauge("registered_runners", "Number of runners registered by the scale set."),
		busyRunners:       gauge("busy_runners", "Number of registered runners running a job."),
		idleRunners:       gauge("idle_runners", "Number of registered runners not running a job."),
		minRunners:        gauge("min_runners", "Minimum number of runners."),
		maxRunners:        gauge("max_runners", "Maximum number of runners."),
		desiredRunners:    gauge("desired_runners", "Number of runners desired by the scale set."),
		startedJobs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Subsystem: metricsSubsystem, Name: "started_jobs_total", Help: "Total number of jobs started.",
		}, startedLabelNames),
		completedJobs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Subsystem: metricsSubsystem, Name: "completed_jobs_total", Help: "Total number of jobs completed.",
		}, finishedLabelNames),
		startupDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Subsystem: metricsSubsystem, Name: "job_startup_duration_seconds",
			Help:    "Time spent waiting for workflow job to get started on the runner owned by the scale set (in seconds).",
			Buckets: jobDurationBuckets,
		}, startedLabelNames),
		executionDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Subsystem: metricsSubsystem, Name: "job_execution_duration_seconds",
			Help:    "Time spent executing workflow jobs by the scale set (in seconds).",
			Buckets: jobDurationBuckets,
		}, finishedLabelNames),
	}
	m.registry.MustRegister(
		m.availableJobs, m.acquiredJobs, m.assignedJobs, m.runningJobs,
		m.registeredRunners, m.busyRunners, m.idleRunners,
		m.minRunners, m.maxRunners, m.desiredRunners,
		m.startedJobs, m.completedJobs, m.startupDuration, m.executionDuration,
	)
	return m
}

// Registry is the registry the metrics live in.
func (m *Metrics) Registry() *prometheus.Registry { return m.registry }

// Handler serves the registry in the Prometheus exposition format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{Registry: m.registry})
}

// SetBounds publishes minRunners and maxRunners.
func (m *Metrics) SetBounds(minRunners, maxRunners int) {
	m.minRunners.With(m.scaleSet).Set(float64(minRunners))
	m.maxRunners.With(m.scaleSet).Set(float64(maxRunners))
}

// SetStatistics publishes the service's statistics of the moment.
func (m *Metrics) SetStatistics(s *scaleset.RunnerScaleSetStatistic) {
	if s == nil {
		return
	}
	m.availableJobs.With(m.scaleSet).Set(float64(s.TotalAvailableJobs))
	m.acquiredJobs.With(m.scaleSet).Set(float64(s.TotalAcquiredJobs))
	m.assignedJobs.With(m.scaleSet).Set(float64(s.TotalAssignedJobs))
	m.runningJobs.With(m.scaleSet).Set(float64(s.TotalRunningJobs))
	m.registeredRunners.With(m.scaleSet).Set(float64(s.TotalRegisteredRunners))
	m.busyRunners.With(m.scaleSet).Set(float64(s.TotalBusyRunners))
	m.idleRunners.With(m.scaleSet).Set(float64(s.TotalIdleRunners))
}

// SetDesiredRunners publishes the replicas the listener wants.
func (m *Metrics) SetDesiredRunners(n int) {
	m.desiredRunners.With(m.scaleSet).Set(float64(n))
}

// JobStarted counts a started job and observes how long it waited for a
// runner after the scale set got it.
func (m *Metrics) JobStarted(msg *scaleset.JobStarted) {
	l := m.jobLabels(&msg.JobMessageBase)
	l[labelRunnerID] = strconv.Itoa(msg.RunnerID)
	l[labelRunnerName] = msg.RunnerName
	m.startedJobs.With(l).Inc()
	// ARC observes even when a time is missing, which records decades; an
	// unknown duration is better left out.
	if d, ok := elapsed(msg.ScaleSetAssignTime, msg.RunnerAssignTime); ok {
		m.startupDuration.With(l).Observe(d.Seconds())
	}
}

// JobCompleted counts a finished job and observes how long it ran.
func (m *Metrics) JobCompleted(msg *scaleset.JobCompleted) {
	l := m.jobLabels(&msg.JobMessageBase)
	l[labelJobResult] = msg.Result
	l[labelRunnerID] = strconv.Itoa(msg.RunnerID)
	l[labelRunnerName] = msg.RunnerName
	m.completedJobs.With(l).Inc()
	if d, ok := elapsed(msg.RunnerAssignTime, msg.FinishTime); ok {
		m.executionDuration.With(l).Observe(d.Seconds())
	}
}

func (m *Metrics) jobLabels(j *scaleset.JobMessageBase) prometheus.Labels {
	return prometheus.Labels{
		labelRepository:   j.RepositoryName,
		labelOrganization: j.OwnerName,
		labelEnterprise:   m.enterprise,
		labelJobName:      j.JobDisplayName,
		labelWorkflowRef:  j.JobWorkflowRef,
		labelEventName:    j.EventName,
	}
}

func elapsed(from, to time.Time) (time.Duration, bool) {
	if from.IsZero() || to.IsZero() || to.Before(from) {
		return 0, false
	}
	return to.Sub(from), true
}
