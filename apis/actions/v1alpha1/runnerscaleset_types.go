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
	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// ScaleSetName is the name of a runner scale set. Workflows select the scale
// set with runs-on: NAME, so it is also the scale set's first label. The
// 45-character limit is a CEL rule rather than maxLength so that a name that is
// too long gets one message that says why; maxLength only bounds the cost of
// the rules.
// +kubebuilder:validation:MaxLength=256
// +kubebuilder:validation:XValidation:rule="size(self) > 0",message="name must not be empty"
// +kubebuilder:validation:XValidation:rule="size(self) <= 45",message="name must be at most 45 characters (GitHub's limit for runner scale set names)"
// +kubebuilder:validation:XValidation:rule="size(self) == 0 || self.matches(r'^\\S(.*\\S)?$')",message="name must not start or end with whitespace"
// +kubebuilder:validation:XValidation:rule="!self.contains(',')",message="name must not contain a comma: runs-on labels are separated by commas"
type ScaleSetName string

// RunnerLabel is a label of a runner scale set, matched case-insensitively
// against a job's runs-on labels.
// +kubebuilder:validation:MaxLength=256
// +kubebuilder:validation:XValidation:rule="size(self) > 0 && self.matches(r'^\\S(.*\\S)?$')",message="a label must not be empty nor start or end with whitespace"
// +kubebuilder:validation:XValidation:rule="!self.contains(',')",message="a label must not contain a comma: runs-on labels are separated by commas"
type RunnerLabel string

// RunnerSettings are the settings every runner of the scale set registers
// with.
type RunnerSettings struct {
	// DisableUpdate stops the runners from updating themselves when GitHub
	// publishes a new runner version. Set it when the runner image is pinned
	// and updated by other means; otherwise a runner that is too old is
	// refused by GitHub.
	// +optional
	DisableUpdate bool `json:"disableUpdate,omitempty"`
}

// RunnerScaleSetParameters are the desired state of a runner scale set.
//
// The runner group is chosen by at most one of runnerGroupID and
// runnerGroupName, or by runnerGroupRef or runnerGroupSelector, which resolve
// to runnerGroupID. With none of them the scale set is in the Default group
// (id 1). The scale set lives in the organization, repository or enterprise of
// the ProviderConfig's githubConfigURL.
// +kubebuilder:validation:XValidation:rule="!(has(self.runnerGroupID) && has(self.runnerGroupName))",message="set runnerGroupID or runnerGroupName, not both"
// +kubebuilder:validation:XValidation:rule="!(has(self.runnerGroupName) && (has(self.runnerGroupRef) || has(self.runnerGroupSelector)))",message="runnerGroupName cannot be combined with runnerGroupRef or runnerGroupSelector: a reference resolves to runnerGroupID"
type RunnerScaleSetParameters struct {
	// Name of the scale set in the Actions service, 1 to 45 characters,
	// unique within its runner group; workflows select it with runs-on: NAME.
	// Renaming is applied to the service, and workflows must follow.
	Name ScaleSetName `json:"name"`

	// Labels are extra labels a job's runs-on may use to select the scale
	// set, besides its name. They are sent on every create and update, so a
	// label removed here is removed from the service too.
	// +kubebuilder:validation:MaxItems=100
	// +listType=set
	// +optional
	Labels []RunnerLabel `json:"labels,omitempty"`

	// RunnerGroupID is the numeric id of the runner group the scale set
	// belongs to. Filled in by runnerGroupRef or runnerGroupSelector when they
	// are used.
	// +kubebuilder:validation:Minimum=1
	// +optional
	RunnerGroupID *int64 `json:"runnerGroupID,omitempty"`

	// RunnerGroupName is the name of an existing runner group the scale set
	// belongs to; the provider looks its id up in the Actions service.
	// +optional
	RunnerGroupName *RunnerGroupName `json:"runnerGroupName,omitempty"`

	// RunnerGroupRef references a RunnerGroup whose id (its external name)
	// becomes runnerGroupID. The namespace defaults to this scale set's.
	// +optional
	RunnerGroupRef *xpv2.NamespacedReference `json:"runnerGroupRef,omitempty"`

	// RunnerGroupSelector selects a RunnerGroup by labels, for example one
	// composed by the same composite resource (matchControllerRef: true).
	// +optional
	RunnerGroupSelector *xpv2.NamespacedSelector `json:"runnerGroupSelector,omitempty"`

	// RunnerSettings are the settings every runner of the scale set registers
	// with.
	// +optional
	RunnerSettings *RunnerSettings `json:"runnerSettings,omitempty"`
}

// RunnerScaleSetStatistics are the job and runner counts the Actions service
// reports for a scale set.
type RunnerScaleSetStatistics struct {
	// TotalAvailableJobs is the number of queued jobs that match the scale
	// set and are not yet acquired.
	TotalAvailableJobs int64 `json:"totalAvailableJobs"`

	// TotalAcquiredJobs is the number of jobs the scale set's listener
	// acquired.
	TotalAcquiredJobs int64 `json:"totalAcquiredJobs"`

	// TotalAssignedJobs is the number of jobs assigned to the scale set,
	// waiting for or running on a runner.
	TotalAssignedJobs int64 `json:"totalAssignedJobs"`

	// TotalRunningJobs is the number of jobs running on the scale set's
	// runners.
	TotalRunningJobs int64 `json:"totalRunningJobs"`

	// TotalRegisteredRunners is the number of runners registered with the
	// scale set.
	TotalRegisteredRunners int64 `json:"totalRegisteredRunners"`

	// TotalBusyRunners is the number of registered runners running a job.
	TotalBusyRunners int64 `json:"totalBusyRunners"`

	// TotalIdleRunners is the number of registered runners waiting for a job.
	TotalIdleRunners int64 `json:"totalIdleRunners"`
}

// RunnerScaleSetObservation is the scale set as the Actions service last
// reported it.
type RunnerScaleSetObservation struct {
	// ID of the scale set in the Actions service; also the external name.
	// +optional
	ID int64 `json:"id,omitempty"`

	// Name of the scale set in the service.
	// +optional
	Name string `json:"name,omitempty"`

	// RunnerGroupID is the id of the runner group the scale set is in.
	// +optional
	RunnerGroupID int64 `json:"runnerGroupID,omitempty"`

	// RunnerGroupName is the name of the runner group the scale set is in.
	// +optional
	RunnerGroupName string `json:"runnerGroupName,omitempty"`

	// Labels of the scale set in the service, its name included.
	// +optional
	Labels []string `json:"labels,omitempty"`

	// DisableUpdate as the service reports it.
	// +optional
	DisableUpdate *bool `json:"disableUpdate,omitempty"`

	// Statistics are the scale set's job and runner counts, when the service
	// reported them.
	// +optional
	Statistics *RunnerScaleSetStatistics `json:"statistics,omitempty"`
}

// RunnerScaleSetSpec is the desired state of a RunnerScaleSet.
type RunnerScaleSetSpec struct {
	xpv2.ManagedResourceSpec `json:",inline"`

	// ForProvider is the desired state of the scale set in the Actions
	// service.
	ForProvider RunnerScaleSetParameters `json:"forProvider"`
}

// RunnerScaleSetStatus is the observed state of a RunnerScaleSet.
type RunnerScaleSetStatus struct {
	xpv2.ManagedResourceStatus `json:",inline"`

	// AtProvider is the scale set as the Actions service last reported it.
	// +optional
	AtProvider RunnerScaleSetObservation `json:"atProvider,omitempty"`
}

// +kubebuilder:object:root=true

// A RunnerScaleSet is a runner scale set in the GitHub Actions service: a
// named pool of ephemeral runners that workflows select with runs-on. Its
// external name is the service's numeric scale set id. An
// AutoscalingListener holds the scale set's message session and an
// EphemeralRunnerSet runs its runners; deleting the RunnerScaleSet deletes
// the scale set in the service.
// +kubebuilder:subresource:status
// +kubebuilder:printcolumn:name="READY",type="string",JSONPath=".status.conditions[?(@.type=='Ready')].status"
// +kubebuilder:printcolumn:name="SYNCED",type="string",JSONPath=".status.conditions[?(@.type=='Synced')].status"
// +kubebuilder:printcolumn:name="EXTERNAL-NAME",type="string",JSONPath=".metadata.annotations.crossplane\\.io/external-name"
// +kubebuilder:printcolumn:name="SCALESET-ID",type="integer",JSONPath=".status.atProvider.id"
// +kubebuilder:printcolumn:name="SCALESET-NAME",type="string",JSONPath=".status.atProvider.name"
// +kubebuilder:printcolumn:name="GROUP-ID",type="integer",JSONPath=".status.atProvider.runnerGroupID"
// +kubebuilder:printcolumn:name="ASSIGNED-JOBS",type="integer",JSONPath=".status.atProvider.statistics.totalAssignedJobs",priority=1
// +kubebuilder:printcolumn:name="RUNNERS",type="integer",JSONPath=".status.atProvider.statistics.totalRegisteredRunners",priority=1
// +kubebuilder:printcolumn:name="AGE",type="date",JSONPath=".metadata.creationTimestamp"
// +kubebuilder:resource:scope=Namespaced,categories={crossplane,managed,github-arc}
type RunnerScaleSet struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec   RunnerScaleSetSpec   `json:"spec"`
	Status RunnerScaleSetStatus `json:"status,omitempty"`
}

// +kubebuilder:object:root=true

// RunnerScaleSetList contains a list of RunnerScaleSet.
type RunnerScaleSetList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []RunnerScaleSet `json:"items"`
}
