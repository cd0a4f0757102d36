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
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// AutoscalingListenerSpec is the desired state of an AutoscalingListener.
// +kubebuilder:validation:XValidation:rule="!has(self.maxRunners) || self.maxRunners >= (has(self.minRunners) ? self.minRunners : 0)",message="maxRunners must be greater than or equal to minRunners"
type AutoscalingListenerSpec struct {
	// ScaleSet is the runner scale set whose message session the listener
	// holds. There is one active session per scale set, so one listener per
	// scale set.
	ScaleSet ScaleSetReference `json:"scaleSet"`

	// EphemeralRunnerSetName is the EphemeralRunnerSet, in this namespace,
	// whose spec.replicas and spec.patchID the listener writes. The listener's
	// Role allows patching that one object and nothing else.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`
	EphemeralRunnerSetName string `json:"ephemeralRunnerSetName"`

	// MinRunners is how many runners are kept even with no job, idle and
	// ready to start one at once.
	// +kubebuilder:default=0
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=100000
	// +optional
	MinRunners int32 `json:"minRunners,omitempty"`

	// MaxRunners is the most runners the scale set may have at once; jobs
	// beyond it wait in the queue (the listener acquires no more than it can
	// run). Leave it out for no limit.
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=100000
	// +optional
	MaxRunners *int32 `json:"maxRunners,omitempty"`

	// MessageBatchWindowMilliseconds is how long the listener waits after a
	// message before it polls for the next, so that the events of that time
	// come in one message: fewer calls to the Actions Service, for at most
	// that much delay of a job that becomes available meanwhile (scaling up
	// for a job in hand never waits). 0 polls at once. Defaults to 400.
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=5000
	// +optional
	MessageBatchWindowMilliseconds *int32 `json:"messageBatchWindowMilliseconds,omitempty"`

	// Image of the listener pod. Defaults to the listener image the provider
	// was started with; set it only to try another listener build.
	// +kubebuilder:validation:MaxLength=1024
	// +optional
	Image string `json:"image,omitempty"`

	// ImagePullPolicy of the listener container.
	// +kubebuilder:validation:Enum=Always;IfNotPresent;Never
	// +optional
	ImagePullPolicy corev1.PullPolicy `json:"imagePullPolicy,omitempty"`

	// Resources of the listener container.
	// +optional
	Resources *corev1.ResourceRequirements `json:"resources,omitempty"`

	// GitHubConfigURL is the organization, repository or enterprise URL of the
	// scale set, for display. The URL that is used is the provider
	// configuration's.
	// +kubebuilder:validation:MaxLength=1024
	// +optional
	GitHubConfigURL string `json:"githubConfigURL,omitempty"`
}

// AutoscalingListenerStatus is the observed state of an AutoscalingListener.
type AutoscalingListenerStatus struct {
	// ObservedGeneration is the generation of the spec the status describes.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`

	// PodName is the name of the listener pod.
	// +optional
	PodName string `json:"podName,omitempty"`

	// Phase of the listener pod: Pending, Running, Succeeded, Failed or
	// Unknown.
	// +optional
	Phase corev1.PodPhase `json:"phase,omitempty"`

	// PodRecreations counts how many times the listener pod ended and was
	// created again.
	// +optional
	PodRecreations int32 `json:"podRecreations,omitempty"`

	// Conditions of the listener.
	// +listType=map
	// +listMapKey=type
	// +optional
	Conditions []metav1.Condition `json:"conditions,omitempty"`
}

// +kubebuilder:object:root=true

// An AutoscalingListener runs the listener of one runner scale set: a pod
// that holds the scale set's message session with the Actions service,
// acquires the jobs it can run and sets the replicas of its
// EphemeralRunnerSet to minRunners plus the assigned jobs, at most
// maxRunners. The pod gets a ServiceAccount of its own whose Role can patch
// only that EphemeralRunnerSet and its runners' status.
// +kubebuilder:subresource:status
// +kubebuilder:printcolumn:name="SCALESET-ID",type="integer",JSONPath=".spec.scaleSet.id"
// +kubebuilder:printcolumn:name="SCALESET",type="string",JSONPath=".spec.scaleSet.name"
// +kubebuilder:printcolumn:name="RUNNER-SET",type="string",JSONPath=".spec.ephemeralRunnerSetName"
// +kubebuilder:printcolumn:name="MIN",type="integer",JSONPath=".spec.minRunners"
// +kubebuilder:printcolumn:name="MAX",type="integer",JSONPath=".spec.maxRunners"
// +kubebuilder:printcolumn:name="PHASE",type="string",JSONPath=".status.phase"
// +kubebuilder:printcolumn:name="POD",type="string",JSONPath=".status.podName",priority=1
// +kubebuilder:printcolumn:name="AGE",type="date",JSONPath=".metadata.creationTimestamp"
// +kubebuilder:resource:scope=Namespaced,categories={github-arc}
type AutoscalingListener struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec   AutoscalingListenerSpec   `json:"spec"`
	Status AutoscalingListenerStatus `json:"status,omitempty"`
}

// +kubebuilder:object:root=true

// AutoscalingListenerList contains a list of AutoscalingListener.
type AutoscalingListenerList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []AutoscalingListener `json:"items"`
}
