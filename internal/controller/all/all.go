// Package all lists every controller of the provider, for the program that runs
// them all (cmd/provider) and the tests that set each one up.
package all

import (
	"k8s.io/apimachinery/pkg/runtime/schema"
	ctrl "sigs.k8s.io/controller-runtime"

	actionsv1alpha1 "github.com/arc-crossplane/provider-github-arc/apis/actions/v1alpha1"
	arcv1alpha1 "github.com/arc-crossplane/provider-github-arc/apis/arc/v1alpha1"
	runnersv1alpha1 "github.com/arc-crossplane/provider-github-arc/apis/runners/v1alpha1"
	"github.com/arc-crossplane/provider-github-arc/internal/controller"
	"github.com/arc-crossplane/provider-github-arc/internal/controller/autoscalinglistener"
	"github.com/arc-crossplane/provider-github-arc/internal/controller/config"
	"github.com/arc-crossplane/provider-github-arc/internal/controller/ephemeralrunner"
	"github.com/arc-crossplane/provider-github-arc/internal/controller/ephemeralrunnerset"
	"github.com/arc-crossplane/provider-github-arc/internal/controller/runnergroup"
	"github.com/arc-crossplane/provider-github-arc/internal/controller/runnerscaleset"
)

// A Controller is a controller package's Setup and the kinds whose CRDs must
// exist before it can start (the safe-start gate waits for them).
type Controller struct {
	Name  string
	Setup func(ctrl.Manager, controller.Options) error
	Kinds []schema.GroupVersionKind
}

// Controllers are all of the provider's controllers.
func Controllers() []Controller {
	configKinds := []schema.GroupVersionKind{
		arcv1alpha1.ProviderConfigGroupVersionKind,
		arcv1alpha1.ClusterProviderConfigGroupVersionKind,
		arcv1alpha1.ProviderConfigUsageGroupVersionKind,
	}
	return []Controller{
		{Name: "config", Setup: config.Setup, Kinds: configKinds},
		{Name: "runnergroup", Setup: runnergroup.Setup, Kinds: append([]schema.GroupVersionKind{actionsv1alpha1.RunnerGroupGroupVersionKind}, configKinds...)},
		{Name: "runnerscaleset", Setup: runnerscaleset.Setup, Kinds: append([]schema.GroupVersionKind{
			actionsv1alpha1.RunnerScaleSetGroupVersionKind, actionsv1alpha1.RunnerGroupGroupVersionKind,
		}, configKinds...)},

		// The in-cluster runtime: plain Kubernetes kinds, no managed reconciler.
		{Name: "ephemeralrunnerset", Setup: ephemeralrunnerset.Setup, Kinds: []schema.GroupVersionKind{
			runnersv1alpha1.EphemeralRunnerSetGroupVersionKind, runnersv1alpha1.EphemeralRunnerGroupVersionKind,
		}},
		{Name: "ephemeralrunner", Setup: ephemeralrunner.Setup, Kinds: []schema.GroupVersionKind{
			runnersv1alpha1.EphemeralRunnerGroupVersionKind,
		}},
		{Name: "autoscalinglistener", Setup: autoscalinglistener.Setup, Kinds: []schema.GroupVersionKind{
			runnersv1alpha1.AutoscalingListenerGroupVersionKind, runnersv1alpha1.EphemeralRunnerSetGroupVersionKind,
		}},
	}
}
