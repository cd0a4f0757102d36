package runtime

import (
	"sync"

	"github.com/prometheus/client_golang/prometheus"
	ctrlmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"

	"github.com/arc-crossplane/provider-github-arc/internal/clients"
)

// The label names of ARC's controller gauges, so ARC's dashboards work
// unchanged: name is the scale set's name.
var scaleSetLabelNames = []string{"name", "namespace", "repository", "organization", "enterprise"}

// ARC's controller gauges (subsystem gha_controller), on controller-runtime's
// registry, which the provider serves on its metrics endpoint.
var (
	PendingEphemeralRunners = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Subsystem: "gha_controller",
		Name:      "pending_ephemeral_runners",
		Help:      "Number of ephemeral runners in a pending state.",
	}, scaleSetLabelNames)
	RunningEphemeralRunners = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Subsystem: "gha_controller",
		Name:      "running_ephemeral_runners",
		Help:      "Number of ephemeral runners in a running state.",
	}, scaleSetLabelNames)
	FailedEphemeralRunners = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Subsystem: "gha_controller",
		Name:      "failed_ephemeral_runners",
		Help:      "Number of ephemeral runners in a failed state.",
	}, scaleSetLabelNames)
	RunningListeners = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Subsystem: "gha_controller",
		Name:      "running_listeners",
		Help:      "Number of listeners in a running state.",
	}, scaleSetLabelNames)
)

var registerOnce sync.Once

// RegisterMetrics adds the gauges to controller-runtime's registry. Every
// Setup calls it; only the first call registers.
func RegisterMetrics() {
	registerOnce.Do(func() {
		ctrlmetrics.Registry.MustRegister(PendingEphemeralRunners, RunningEphemeralRunners, FailedEphemeralRunners, RunningListeners)
	})
}

// ScaleSetLabels are the gauge labels of a scale set served in namespace,
// with the repository, organization and enterprise read from its GitHub
// config URL (empty when the URL says nothing of them).
func ScaleSetLabels(scaleSetName, namespace, githubConfigURL string) prometheus.Labels {
	l := prometheus.Labels{"name": scaleSetName, "namespace": namespace, "repository": "", "organization": "", "enterprise": ""}
	if s, err := clients.ParseConfigURL(githubConfigURL); err == nil {
		l["repository"] = s.Repository
		l["organization"] = s.Organization
		l["enterprise"] = s.Enterprise
	}
	return l
}

// ForgetScaleSet drops the runner gauges of a scale set whose set is gone.
func ForgetScaleSet(namespace, scaleSetName string) {
	match := prometheus.Labels{"name": scaleSetName, "namespace": namespace}
	PendingEphemeralRunners.DeletePartialMatch(match)
	RunningEphemeralRunners.DeletePartialMatch(match)
	FailedEphemeralRunners.DeletePartialMatch(match)
}
