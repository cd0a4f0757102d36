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

package function

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"

	runnersv1alpha1 "github.com/arc-crossplane/provider-github-arc/apis/runners/v1alpha1"
)

// The composite kinds this function renders. The XRDs in
// package/configuration define them; this package does not import them
// because an XRD is YAML, not Go.
const (
	// CompositeGroup is the API group of the composite resources and the
	// claim.
	CompositeGroup = "platform.arc.crossplane.io"

	// CompositeKind is the namespaced composite resource a team writes.
	CompositeKind = "AutoscalingRunnerSet"

	// LegacyCompositeKind is the cluster-scoped composite resource of the
	// legacy XRD; teams create it through its claim, AutoscalingRunnerSetClaim.
	LegacyCompositeKind = "XAutoscalingRunnerSet"
)

// Defaults the XRDs also declare. The function applies them too, so an XR
// that reached it without the XRD's defaulting (an older XRD revision, or a
// render without --xrd) is rendered the same way.
const (
	DefaultRunnerImage       = "ghcr.io/actions/actions-runner:latest"
	DefaultDinDImage         = "docker:dind"
	DefaultRunnerGroupName   = "Default"
	DefaultProviderConfig    = "default"
	DefaultWorkVolumeStorage = "1Gi"
)

// Parameters are the spec of an AutoscalingRunnerSet, of the legacy
// XAutoscalingRunnerSet and of its claim: what a team asks for. The XRD's
// schema is the contract with the team; these types read it.
type Parameters struct {
	// ScaleSetName is the name workflows use in runs-on. Defaults to the
	// name of the AutoscalingRunnerSet (of the claim, for a claim).
	ScaleSetName string `json:"scaleSetName,omitempty"`

	// Labels are extra runs-on labels of the scale set.
	Labels []string `json:"labels,omitempty"`

	// RunnerGroup is the runner group of the scale set; the Default group
	// when not set.
	RunnerGroup *RunnerGroup `json:"runnerGroup,omitempty"`

	// MinRunners are kept idle with no job.
	MinRunners *int32 `json:"minRunners,omitempty"`

	// MaxRunners bounds the runners; no bound when not set.
	MaxRunners *int32 `json:"maxRunners,omitempty"`

	// ContainerMode renders a runner pod in the style of ARC's chart.
	ContainerMode *ContainerMode `json:"containerMode,omitempty"`

	// Runner tunes the runner container of a container mode.
	Runner *Runner `json:"runner,omitempty"`

	// Template is a full runner pod template, instead of a container mode.
	Template *runnersv1alpha1.RunnerPodTemplate `json:"template,omitempty"`

	// RunnerSettings are sent with the scale set.
	RunnerSettings *RunnerSettings `json:"runnerSettings,omitempty"`

	// MaxPodFailures of a runner before it is replaced.
	MaxPodFailures *int32 `json:"maxPodFailures,omitempty"`

	// Listener tunes the listener pod.
	Listener *Listener `json:"listener,omitempty"`

	// ProviderConfigRef names the GitHub configuration of every composed
	// resource.
	ProviderConfigRef *ProviderConfigRef `json:"providerConfigRef,omitempty"`

	// GitHubConfigURL is shown on the runner set and the listener.
	GitHubConfigURL string `json:"githubConfigURL,omitempty"`
}

// RunnerGroup is the runner group of a scale set: an existing group by name,
// or (create: true) a group of the team's own that the composition manages.
type RunnerGroup struct {
	Name                     string   `json:"name,omitempty"`
	Create                   bool     `json:"create,omitempty"`
	Visibility               string   `json:"visibility,omitempty"`
	SelectedRepositories     []string `json:"selectedRepositories,omitempty"`
	AllowsPublicRepositories bool     `json:"allowsPublicRepositories,omitempty"`
	RestrictedToWorkflows    bool     `json:"restrictedToWorkflows,omitempty"`
	SelectedWorkflows        []string `json:"selectedWorkflows,omitempty"`
}

// ContainerModeType is one of the runner pod layouts of ARC's chart.
type ContainerModeType string

// Container modes.
const (
	// ContainerModeDefault runs jobs in the runner container itself.
	ContainerModeDefault ContainerModeType = "default"

	// ContainerModeDinD adds a privileged Docker daemon as a sidecar, so jobs
	// can use container: and services: and run docker.
	ContainerModeDinD ContainerModeType = "dind"

	// ContainerModeKubernetes runs job containers as pods of their own
	// through the runner container hooks; no privileged container.
	ContainerModeKubernetes ContainerModeType = "kubernetes"
)

// ContainerMode selects and tunes a runner pod layout.
type ContainerMode struct {
	Type       ContainerModeType `json:"type,omitempty"`
	DinD       *DinDMode         `json:"dind,omitempty"`
	Kubernetes *KubernetesMode   `json:"kubernetes,omitempty"`
}

// DinDMode tunes the Docker daemon sidecar.
type DinDMode struct {
	Image string `json:"image,omitempty"`
}

// KubernetesMode tunes the container hooks mode.
type KubernetesMode struct {
	// ServiceAccountName is the runner pod's account; the hooks need it to
	// create job pods and secrets.
	ServiceAccountName string `json:"serviceAccountName,omitempty"`

	// RequireJobContainer refuses jobs that do not name a container.
	RequireJobContainer *bool `json:"requireJobContainer,omitempty"`

	// WorkVolumeClaim is the ephemeral volume shared by the runner and the
	// job pods.
	WorkVolumeClaim *WorkVolumeClaim `json:"workVolumeClaim,omitempty"`
}

// WorkVolumeClaim is the claim of the work volume of the kubernetes mode.
type WorkVolumeClaim struct {
	StorageClassName *string                             `json:"storageClassName,omitempty"`
	AccessModes      []corev1.PersistentVolumeAccessMode `json:"accessModes,omitempty"`
	Storage          *resource.Quantity                  `json:"storage,omitempty"`
}

// Runner tunes the runner container of a container mode.
type Runner struct {
	Image           string                       `json:"image,omitempty"`
	ImagePullPolicy corev1.PullPolicy            `json:"imagePullPolicy,omitempty"`
	Resources       *corev1.ResourceRequirements `json:"resources,omitempty"`
	Env             []corev1.EnvVar              `json:"env,omitempty"`
	NodeSelector    map[string]string            `json:"nodeSelector,omitempty"`
	Tolerations     []corev1.Toleration          `json:"tolerations,omitempty"`
	PodLabels       map[string]string            `json:"podLabels,omitempty"`
	PodAnnotations  map[string]string            `json:"podAnnotations,omitempty"`
}

// RunnerSettings are the settings the runners register with.
type RunnerSettings struct {
	DisableUpdate bool `json:"disableUpdate,omitempty"`
}

// Listener tunes the listener pod.
type Listener struct {
	ImagePullPolicy                corev1.PullPolicy            `json:"imagePullPolicy,omitempty"`
	Resources                      *corev1.ResourceRequirements `json:"resources,omitempty"`
	MessageBatchWindowMilliseconds *int32                       `json:"messageBatchWindowMilliseconds,omitempty"`
}

// ProviderConfigRef names a ProviderConfig or ClusterProviderConfig.
type ProviderConfigRef struct {
	Kind string `json:"kind,omitempty"`
	Name string `json:"name,omitempty"`
}
