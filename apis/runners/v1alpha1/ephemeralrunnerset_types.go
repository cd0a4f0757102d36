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
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// DefaultMaxPodFailures is how many times a runner's pod may fail before the
// runner is given up and replaced, when maxPodFailures is not set. ARC's limit.
const DefaultMaxPodFailures = 5

// EphemeralRunnerSetSpec is the desired state of an EphemeralRunnerSet.
//
// replicas, patchID and runningJobs belong to the scale set's listener: it
// patches them with its own ServiceAccount, and nothing else should write
// them. A composition that renders an EphemeralRunnerSet leaves them out, so
// server-side apply never takes them from the listener.
type EphemeralRunnerSetSpec struct {
	// Replicas is how many runners the listener wants: minRunners plus the
	// jobs assigned to the scale set, at most maxRunners. Written only by the
	// listener. A busy runner is never removed to meet a lower number; it
	// finishes its job first.
	// +kubebuilder:validation:Minimum=0
	// +optional
	Replicas int32 `json:"replicas,omitempty"`

	// PatchID is a counter the listener raises with every change of replicas,
	// so the controller can tell runners that exited under the current patch
	// (not replaced) from a new desired state. 0 makes the controller
	// reconcile the whole set. Written only by the listener.
	// +kubebuilder:validation:Minimum=0
	// +optional
	PatchID int64 `json:"patchID,omitempty"`

	// RunningJobs is how many of the jobs counted in replicas were running
	// on the set's runners when the listener took its statistics. A runner
	// whose job ended after them may exit before the listener's next, lower
	// replicas; the set keeps a slot for each such job (running jobs beyond
	// its runners whose pods run) instead of replacing its runner with one
	// that no job needs. Written only by the listener; 0 keeps no slot.
	// +kubebuilder:validation:Minimum=0
	// +optional
	RunningJobs int32 `json:"runningJobs,omitempty"`

	// ScaleSet is the runner scale set this set's runners register with.
	ScaleSet ScaleSetReference `json:"scaleSet"`

	// Template is the full pod template of every runner of this set.
	Template RunnerPodTemplate `json:"template"`

	// MaxPodFailures is how many times a runner's pod may fail (with backoff
	// of 0, 5, 10, 20, 40 and then 80 seconds between attempts) before the
	// runner is removed from the service and replaced by a new one.
	// +kubebuilder:default=5
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=20
	// +optional
	MaxPodFailures int32 `json:"maxPodFailures,omitempty"`

	// RunnerGroupName is the name of the scale set's runner group, for
	// display.
	// +kubebuilder:validation:MaxLength=100
	// +optional
	RunnerGroupName string `json:"runnerGroupName,omitempty"`

	// GitHubConfigURL is the organization, repository or enterprise URL of the
	// scale set, for display. The URL that is used is the provider
	// configuration's.
	// +kubebuilder:validation:MaxLength=1024
	// +optional
	GitHubConfigURL string `json:"githubConfigURL,omitempty"`
}

// EphemeralRunnerSetStatus is the observed state of an EphemeralRunnerSet.
type EphemeralRunnerSetStatus struct {
	// ObservedGeneration is the generation of the spec the status describes.
	// A generation that only the listener made (replicas, patchID,
	// runningJobs) shows here within a second, with the counts.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`

	// CurrentReplicas is the number of EphemeralRunners of the set that are
	// not being deleted.
	// +optional
	CurrentReplicas int32 `json:"currentReplicas,omitempty"`

	// PendingEphemeralRunners is the number of runners whose pod has not
	// started yet.
	// +optional
	PendingEphemeralRunners int32 `json:"pendingEphemeralRunners,omitempty"`

	// RunningEphemeralRunners is the number of runners whose pod runs.
	// +optional
	RunningEphemeralRunners int32 `json:"runningEphemeralRunners,omitempty"`

	// FailedEphemeralRunners is the number of runners that gave up after
	// maxPodFailures failed pods and are waiting to be cleaned up.
	// +optional
	FailedEphemeralRunners int32 `json:"failedEphemeralRunners,omitempty"`

	// ObservedPatchID is the spec.patchID the controller last acted on.
	// +optional
	ObservedPatchID int64 `json:"observedPatchID,omitempty"`

	// Conditions of the set.
	// +listType=map
	// +listMapKey=type
	// +optional
	Conditions []metav1.Condition `json:"conditions,omitempty"`
}

// +kubebuilder:object:root=true

// An EphemeralRunnerSet keeps spec.replicas EphemeralRunners for one runner
// scale set. The scale set's listener sets replicas; the set creates runners
// up to it and, when it drops, removes idle runners only (each is removed
// from the service before its pod goes), never one that runs a job. It has no
// scale subresource on purpose: only the listener scales it, by patching
// spec.replicas and spec.patchID together.
// +kubebuilder:subresource:status
// +kubebuilder:printcolumn:name="DESIRED",type="integer",JSONPath=".spec.replicas"
// +kubebuilder:printcolumn:name="CURRENT",type="integer",JSONPath=".status.currentReplicas"
// +kubebuilder:printcolumn:name="PENDING",type="integer",JSONPath=".status.pendingEphemeralRunners"
// +kubebuilder:printcolumn:name="RUNNING",type="integer",JSONPath=".status.runningEphemeralRunners"
// +kubebuilder:printcolumn:name="FAILED",type="integer",JSONPath=".status.failedEphemeralRunners"
// +kubebuilder:printcolumn:name="SCALESET-ID",type="integer",JSONPath=".spec.scaleSet.id",priority=1
// +kubebuilder:printcolumn:name="PATCH-ID",type="integer",JSONPath=".spec.patchID",priority=1
// +kubebuilder:printcolumn:name="RUNNING-JOBS",type="integer",JSONPath=".spec.runningJobs",priority=1
// +kubebuilder:printcolumn:name="AGE",type="date",JSONPath=".metadata.creationTimestamp"
// +kubebuilder:resource:scope=Namespaced,categories={github-arc}
type EphemeralRunnerSet struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec   EphemeralRunnerSetSpec   `json:"spec"`
	Status EphemeralRunnerSetStatus `json:"status,omitempty"`
}

// +kubebuilder:object:root=true

// EphemeralRunnerSetList contains a list of EphemeralRunnerSet.
type EphemeralRunnerSetList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []EphemeralRunnerSet `json:"items"`
}
