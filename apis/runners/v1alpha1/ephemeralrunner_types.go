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

// EphemeralRunnerPhase is where a runner is in its one-job life.
// +kubebuilder:validation:Enum=Pending;Running;Succeeded;Failed
type EphemeralRunnerPhase string

// Runner phases. They follow the phase of the runner's pod, except that
// Failed means the runner gave up, not that one pod failed.
const (
	// EphemeralRunnerPending: the runner has no running pod yet (no JIT
	// configuration yet, pod not created or not started, or waiting out the
	// backoff after a failed pod).
	EphemeralRunnerPending EphemeralRunnerPhase = "Pending"

	// EphemeralRunnerRunning: the runner's pod runs.
	EphemeralRunnerRunning EphemeralRunnerPhase = "Running"

	// EphemeralRunnerSucceeded: the runner ran its job and exited 0; it is
	// removed from the service and deleted.
	EphemeralRunnerSucceeded EphemeralRunnerPhase = "Succeeded"

	// EphemeralRunnerFailed: maxPodFailures pods failed; the runner is
	// removed from the service and replaced.
	EphemeralRunnerFailed EphemeralRunnerPhase = "Failed"
)

// EphemeralRunnerSpec is the desired state of an EphemeralRunner. The
// EphemeralRunnerSet that owns the runner fills it from its own spec.
type EphemeralRunnerSpec struct {
	// ScaleSet is the runner scale set the runner registers with. It cannot
	// change: the runner's JIT configuration is bound to that scale set.
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="scaleSet cannot change: the runner is registered with that scale set; delete the runner instead"
	ScaleSet ScaleSetReference `json:"scaleSet"`

	// Template is the full pod template of the runner.
	Template RunnerPodTemplate `json:"template"`

	// MaxPodFailures is how many times the runner's pod may fail (with
	// backoff of 0, 5, 10, 20, 40 and then 80 seconds between attempts) before
	// the runner is removed from the service and marked Failed.
	// +kubebuilder:default=5
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=20
	// +optional
	MaxPodFailures int32 `json:"maxPodFailures,omitempty"`

	// RunnerName is the name the runner registers with at GitHub, unique
	// within the scale set. Defaults to the EphemeralRunner's name. It cannot
	// change once set.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=128
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="runnerName cannot change: the runner is registered under that name"
	// +optional
	RunnerName string `json:"runnerName,omitempty"`

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

// PodFailure is one failed pod of a runner.
type PodFailure struct {
	// PodName is the name of the pod that failed.
	PodName string `json:"podName"`

	// FailedAt is when the failure was seen.
	FailedAt metav1.Time `json:"failedAt"`

	// ExitCode of the runner container, when it ran.
	// +optional
	ExitCode *int32 `json:"exitCode,omitempty"`

	// Reason is a one-word reason, such as Error, OOMKilled, Evicted or
	// CreateFailed.
	// +optional
	Reason string `json:"reason,omitempty"`

	// Message says what happened, in words.
	// +optional
	Message string `json:"message,omitempty"`
}

// EphemeralRunnerStatus is the observed state of an EphemeralRunner.
//
// The job fields are set by the scale set's listener when the service reports
// JobStarted for this runner, so that scale-down leaves the runner alone
// while it runs a job; the listener records then that the runner runs, and
// its id and name.
//
// A runner's status is written when there is something to tell, and most
// runners are written once, by the listener: a new runner has an empty
// status (its set counts it pending) until its job starts, its pod has run
// for 10 s without a job, its pod has waited 30 s to run, or something
// fails. Its registration is in its JIT configuration Secret meanwhile.
type EphemeralRunnerStatus struct {
	// Phase of the runner: empty while nothing is recorded yet (see above),
	// Pending, Running, Succeeded or Failed. Running is recorded with the
	// runner's job (reason JobStarted), or once its pod has run for 10 s
	// without one (reason PodRunning).
	// +optional
	Phase EphemeralRunnerPhase `json:"phase,omitempty"`

	// Reason is a one-word reason for the phase.
	// +optional
	Reason string `json:"reason,omitempty"`

	// Message explains the phase in words.
	// +optional
	Message string `json:"message,omitempty"`

	// RunnerID is the runner's id in the Actions service, recorded with the
	// runner's first status (its JIT configuration Secret has it from the
	// start).
	// +optional
	RunnerID int64 `json:"runnerId,omitempty"`

	// RunnerName is the name the runner registered with.
	// +optional
	RunnerName string `json:"runnerName,omitempty"`

	// RunnerJITConfigSecretName is the name of the Secret, owned by this
	// runner and in its namespace, that holds its JIT configuration. Only the
	// name: the configuration itself never appears in status.
	// +optional
	RunnerJITConfigSecretName string `json:"runnerJITConfigSecretName,omitempty"`

	// Failures is how many of the runner's pods failed.
	// +optional
	Failures int32 `json:"failures,omitempty"`

	// PodFailures are the runner's failed pods, oldest first: when each
	// failed and why. The time of the last one starts the backoff before the
	// next pod.
	// +kubebuilder:validation:MaxItems=20
	// +listType=atomic
	// +optional
	PodFailures []PodFailure `json:"podFailures,omitempty"`

	// PodName is the name of the runner's current pod, recorded by the
	// runner controller's writes (a runner that took its job at once has
	// only the listener's: its pod is named as the runner).
	// +optional
	PodName string `json:"podName,omitempty"`

	// Ready is true when the runner's pod is running and ready.
	// +optional
	Ready bool `json:"ready,omitempty"`

	// JobRequestID is the service's id of the request that assigned a job to
	// this runner.
	// +optional
	JobRequestID int64 `json:"jobRequestId,omitempty"`

	// JobID is the service's id of the job the runner runs.
	// +optional
	JobID string `json:"jobId,omitempty"`

	// JobRepositoryName is the repository of the job, as OWNER/NAME.
	// +optional
	JobRepositoryName string `json:"jobRepositoryName,omitempty"`

	// JobWorkflowRef is the workflow of the job, as
	// OWNER/REPO/.github/workflows/FILE.yml@REF.
	// +optional
	JobWorkflowRef string `json:"jobWorkflowRef,omitempty"`

	// JobDisplayName is the job's name as the workflow run shows it.
	// +optional
	JobDisplayName string `json:"jobDisplayName,omitempty"`

	// WorkflowRunID is the id of the workflow run the job belongs to.
	// +optional
	WorkflowRunID int64 `json:"workflowRunId,omitempty"`

	// JobStartedAt is when the service reported the job started on this
	// runner.
	// +optional
	JobStartedAt *metav1.Time `json:"jobStartedAt,omitempty"`

	// Conditions of the runner.
	// +listType=map
	// +listMapKey=type
	// +optional
	Conditions []metav1.Condition `json:"conditions,omitempty"`
}

// +kubebuilder:object:root=true

// An EphemeralRunner is one GitHub Actions runner for one job: a JIT
// configuration from the Actions service, kept in a Secret of its own, and one
// pod from the full pod template. A failed pod is recreated with backoff up to
// maxPodFailures times; a runner that exits 0 is removed from the service and
// deleted. EphemeralRunnerSets create and delete them.
// +kubebuilder:subresource:status
// +kubebuilder:printcolumn:name="RUNNER ID",type="integer",JSONPath=".status.runnerId"
// +kubebuilder:printcolumn:name="RUNNER NAME",type="string",JSONPath=".status.runnerName"
// +kubebuilder:printcolumn:name="PHASE",type="string",JSONPath=".status.phase"
// +kubebuilder:printcolumn:name="FAILURES",type="integer",JSONPath=".status.failures"
// +kubebuilder:printcolumn:name="JOB",type="string",JSONPath=".status.jobDisplayName"
// +kubebuilder:printcolumn:name="REPOSITORY",type="string",JSONPath=".status.jobRepositoryName",priority=1
// +kubebuilder:printcolumn:name="POD",type="string",JSONPath=".status.podName",priority=1
// +kubebuilder:printcolumn:name="AGE",type="date",JSONPath=".metadata.creationTimestamp"
// +kubebuilder:resource:scope=Namespaced,categories={github-arc}
type EphemeralRunner struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec   EphemeralRunnerSpec   `json:"spec"`
	Status EphemeralRunnerStatus `json:"status,omitempty"`
}

// +kubebuilder:object:root=true

// EphemeralRunnerList contains a list of EphemeralRunner.
type EphemeralRunnerList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []EphemeralRunner `json:"items"`
}
