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

package v1alpha1

import (
	corev1 "k8s.io/api/core/v1"
)

// ProviderConfigKind is the kind of a provider configuration.
// +kubebuilder:validation:Enum=ProviderConfig;ClusterProviderConfig
type ProviderConfigKind string

// Provider configuration kinds.
const (
	// ProviderConfigKindNamespaced is a ProviderConfig in the referrer's own
	// namespace.
	ProviderConfigKindNamespaced ProviderConfigKind = "ProviderConfig"

	// ProviderConfigKindCluster is a cluster-scoped ClusterProviderConfig.
	ProviderConfigKindCluster ProviderConfigKind = "ClusterProviderConfig"
)

// ProviderConfigReference names the ProviderConfig or ClusterProviderConfig
// (group arc.crossplane.io) whose credentials a controller uses to talk to
// GitHub on behalf of an object.
type ProviderConfigReference struct {
	// Kind of the configuration: a ProviderConfig in this object's namespace
	// or a ClusterProviderConfig.
	// +kubebuilder:default=ClusterProviderConfig
	// +optional
	Kind ProviderConfigKind `json:"kind,omitempty"`

	// Name of the configuration.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	Name string `json:"name"`
}

// ScaleSetReference says which runner scale set an object serves, and
// through which configuration its controller reaches the Actions service.
type ScaleSetReference struct {
	// ID of the runner scale set in the Actions service: the external name
	// (and status.atProvider.id) of its RunnerScaleSet.
	// +kubebuilder:validation:Minimum=1
	ID int64 `json:"id"`

	// Name of the runner scale set, as workflows name it in runs-on. Used in
	// labels, metrics and runner names; the id is what identifies the scale
	// set.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=45
	Name string `json:"name"`

	// ProviderConfigRef names the configuration whose credentials are used to
	// reach the Actions service for this scale set: the same one its
	// RunnerScaleSet uses.
	ProviderConfigRef ProviderConfigReference `json:"providerConfigRef"`
}

// PodTemplateMetadata is the metadata a pod gets from a template.
type PodTemplateMetadata struct {
	// Labels added to the pod, besides the labels the controller uses to find
	// its pods.
	// +optional
	Labels map[string]string `json:"labels,omitempty"`

	// Annotations added to the pod.
	// +optional
	Annotations map[string]string `json:"annotations,omitempty"`
}

// RunnerPodTemplate is the full template of a runner pod, as in ARC. It needs
// a container named "runner": that container runs the GitHub Actions runner
// and is given the runner's just-in-time configuration (the environment
// variable ACTIONS_RUNNER_INPUT_JITCONFIG, read from a Secret of the runner's
// own). Nothing else of the provider's credentials ever reaches the pod.
// +kubebuilder:validation:XValidation:rule="self.spec.containers.exists(c, c.name == 'runner')",message="the runner pod template needs a container named runner: it is the container that runs the GitHub Actions runner and receives its JIT configuration"
type RunnerPodTemplate struct {
	// Metadata of the runner pod: labels and annotations.
	// +optional
	Metadata PodTemplateMetadata `json:"metadata,omitempty"`

	// Spec of the runner pod.
	Spec corev1.PodSpec `json:"spec"`
}

// Condition types shared by the kinds of this package.
const (
	// ConditionTypeReady is True when the object does what it is for: the
	// set has the runners it wants, the runner is registered and its pod
	// runs, the listener pod runs.
	ConditionTypeReady = "Ready"
)
