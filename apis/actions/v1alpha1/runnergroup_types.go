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

// RunnerGroupName is the name of a runner group at GitHub. Names are unique
// per organization or enterprise (GitHub compares them case-insensitively),
// while a Kubernetes name is only unique per namespace, so the GitHub name is
// a field of its own.
// +kubebuilder:validation:MaxLength=256
// +kubebuilder:validation:XValidation:rule="size(self) > 0",message="runner group name must not be empty"
// +kubebuilder:validation:XValidation:rule="size(self) <= 100",message="runner group name must be at most 100 characters"
// +kubebuilder:validation:XValidation:rule="size(self) == 0 || self.matches(r'^\\S(.*\\S)?$')",message="runner group name must not start or end with whitespace"
type RunnerGroupName string

// RunnerGroupVisibility says which repositories (or, for an enterprise group,
// which organizations) may use a runner group.
// +kubebuilder:validation:Enum=all;selected;private
type RunnerGroupVisibility string

// Runner group visibilities, as GitHub spells them.
const (
	// RunnerGroupVisibilityAll lets every repository of the organization (or
	// every organization of the enterprise) use the group.
	RunnerGroupVisibilityAll RunnerGroupVisibility = "all"

	// RunnerGroupVisibilitySelected lets only the selected repositories (or
	// organizations) use the group.
	RunnerGroupVisibilitySelected RunnerGroupVisibility = "selected"

	// RunnerGroupVisibilityPrivate lets every private repository of the
	// organization use the group. Organization groups only.
	RunnerGroupVisibilityPrivate RunnerGroupVisibility = "private"
)

// RepositoryName is the name of a repository of the organization, without
// its owner.
// +kubebuilder:validation:MaxLength=100
// +kubebuilder:validation:XValidation:rule="self.matches(r'^[A-Za-z0-9._-]+$')",message="a repository is given by its name only, for example my-repo: letters, digits, '.', '_' and '-', without the owner or a URL"
type RepositoryName string

// OrganizationName is the login of an organization of the enterprise.
// +kubebuilder:validation:MaxLength=39
// +kubebuilder:validation:XValidation:rule="self.matches(r'^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?$')",message="an organization is given by its login, for example my-org: letters, digits and inner '-'"
type OrganizationName string

// WorkflowRef names one workflow file at one ref, the form GitHub uses for a
// runner group's selected workflows.
// +kubebuilder:validation:MaxLength=512
// +kubebuilder:validation:XValidation:rule="self.matches(r'^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+/\\.github/workflows/[^/@\\s]+\\.ya?ml@\\S+$')",message="a selected workflow must look like OWNER/REPO/.github/workflows/FILE.yml@REF, for example octo-org/octo-repo/.github/workflows/deploy.yaml@main (REF is a branch, tag or commit SHA; refs/heads/main works too)"
type WorkflowRef string

// RunnerGroupParameters are the desired state of a runner group.
//
// Where the group lives follows from the githubConfigURL of the
// ProviderConfig: an organization URL manages that organization's groups, an
// enterprise URL (https://github.com/enterprises/ENTERPRISE) the enterprise's
// groups. A repository URL cannot manage runner groups, because a repository
// has only the Default group.
// +kubebuilder:validation:XValidation:rule="!has(self.selectedRepositories) || size(self.selectedRepositories) == 0 || (has(self.visibility) && self.visibility == 'selected')",message="selectedRepositories can only be set when visibility is selected"
// +kubebuilder:validation:XValidation:rule="!has(self.selectedOrganizations) || size(self.selectedOrganizations) == 0 || (has(self.visibility) && self.visibility == 'selected')",message="selectedOrganizations can only be set when visibility is selected"
// +kubebuilder:validation:XValidation:rule="!has(self.selectedRepositories) || size(self.selectedRepositories) == 0 || !has(self.selectedOrganizations) || size(self.selectedOrganizations) == 0",message="set selectedRepositories (an organization group) or selectedOrganizations (an enterprise group), not both"
// +kubebuilder:validation:XValidation:rule="!has(self.selectedWorkflows) || size(self.selectedWorkflows) == 0 || (has(self.restrictedToWorkflows) && self.restrictedToWorkflows)",message="selectedWorkflows can only be set when restrictedToWorkflows is true"
type RunnerGroupParameters struct {
	// Name of the runner group at GitHub, 1 to 100 characters, unique within
	// the organization or enterprise (case-insensitively). Renaming is allowed and is applied at
	// GitHub. To adopt an existing group, set this to its name and the
	// crossplane.io/external-name annotation to its id.
	Name RunnerGroupName `json:"name"`

	// Visibility says who may use the group: all repositories (or, for an
	// enterprise group, all organizations), only the selected ones, or
	// (organization groups only) all private repositories.
	// +kubebuilder:default=all
	// +optional
	Visibility RunnerGroupVisibility `json:"visibility,omitempty"`

	// SelectedRepositories are the names (without owner) of the repositories
	// of the organization that may use the group. Only with visibility
	// selected, and only for an organization group. The provider resolves the
	// names to repository ids; an unknown name is reported in the Synced
	// condition.
	// +kubebuilder:validation:MaxItems=1000
	// +listType=set
	// +optional
	SelectedRepositories []RepositoryName `json:"selectedRepositories,omitempty"`

	// SelectedOrganizations are the logins of the organizations of the
	// enterprise that may use the group. Only with visibility selected, and
	// only for an enterprise group.
	// +kubebuilder:validation:MaxItems=1000
	// +listType=set
	// +optional
	SelectedOrganizations []OrganizationName `json:"selectedOrganizations,omitempty"`

	// AllowsPublicRepositories lets public repositories use the group. Off by
	// default, as GitHub advises: a public repository's pull requests can run
	// arbitrary code on the runners.
	// +optional
	AllowsPublicRepositories bool `json:"allowsPublicRepositories,omitempty"`

	// RestrictedToWorkflows limits the group to the workflows in
	// selectedWorkflows. With an empty list no workflow may use the group.
	// +optional
	RestrictedToWorkflows bool `json:"restrictedToWorkflows,omitempty"`

	// SelectedWorkflows are the workflows that may use the group when
	// restrictedToWorkflows is true, each as
	// OWNER/REPO/.github/workflows/FILE.yml@REF.
	// +kubebuilder:validation:MaxItems=500
	// +listType=set
	// +optional
	SelectedWorkflows []WorkflowRef `json:"selectedWorkflows,omitempty"`
}

// RunnerGroupObservation is the runner group as GitHub last reported it.
type RunnerGroupObservation struct {
	// ID of the group at GitHub; also the external name. The Default group
	// has id 1.
	// +optional
	ID int64 `json:"id,omitempty"`

	// Name of the group at GitHub.
	// +optional
	Name string `json:"name,omitempty"`

	// Visibility of the group at GitHub.
	// +optional
	Visibility string `json:"visibility,omitempty"`

	// Default is true for the organization's Default group, which can be
	// observed and updated but never deleted.
	// +optional
	Default *bool `json:"default,omitempty"`

	// Inherited is true for a group an organization inherits from its
	// enterprise; it can only be changed at the enterprise.
	// +optional
	Inherited *bool `json:"inherited,omitempty"`

	// AllowsPublicRepositories as GitHub reports it.
	// +optional
	AllowsPublicRepositories *bool `json:"allowsPublicRepositories,omitempty"`

	// RestrictedToWorkflows as GitHub reports it.
	// +optional
	RestrictedToWorkflows *bool `json:"restrictedToWorkflows,omitempty"`

	// SelectedWorkflows as GitHub reports them.
	// +optional
	SelectedWorkflows []string `json:"selectedWorkflows,omitempty"`

	// WorkflowRestrictionsReadOnly is true when an enterprise policy fixes the
	// workflow restrictions of this group.
	// +optional
	WorkflowRestrictionsReadOnly *bool `json:"workflowRestrictionsReadOnly,omitempty"`

	// SelectedRepositoryIDs are the ids of the repositories that may use the
	// group, when its visibility is selected.
	// +optional
	SelectedRepositoryIDs []int64 `json:"selectedRepositoryIDs,omitempty"`

	// SelectedOrganizationIDs are the ids of the organizations that may use an
	// enterprise group, when its visibility is selected.
	// +optional
	SelectedOrganizationIDs []int64 `json:"selectedOrganizationIDs,omitempty"`

	// RunnersCount is the number of runners registered in the group.
	// +optional
	RunnersCount *int64 `json:"runnersCount,omitempty"`
}

// RunnerGroupSpec is the desired state of a RunnerGroup.
type RunnerGroupSpec struct {
	xpv2.ManagedResourceSpec `json:",inline"`

	// ForProvider is the desired state of the runner group at GitHub.
	ForProvider RunnerGroupParameters `json:"forProvider"`
}

// RunnerGroupStatus is the observed state of a RunnerGroup.
type RunnerGroupStatus struct {
	xpv2.ManagedResourceStatus `json:",inline"`

	// AtProvider is the runner group as GitHub last reported it.
	// +optional
	AtProvider RunnerGroupObservation `json:"atProvider,omitempty"`
}

// +kubebuilder:object:root=true

// A RunnerGroup is a self-hosted runner group of a GitHub organization or
// enterprise: which repositories (or organizations) and workflows may use the
// runners registered in it. Its external name is GitHub's numeric group id:
// set the crossplane.io/external-name annotation to adopt an existing group,
// and use managementPolicies: ["Observe"] to import one read-only. Changes made
// at GitHub are put back to this spec.
// +kubebuilder:subresource:status
// +kubebuilder:printcolumn:name="READY",type="string",JSONPath=".status.conditions[?(@.type=='Ready')].status"
// +kubebuilder:printcolumn:name="SYNCED",type="string",JSONPath=".status.conditions[?(@.type=='Synced')].status"
// +kubebuilder:printcolumn:name="EXTERNAL-NAME",type="string",JSONPath=".metadata.annotations.crossplane\\.io/external-name"
// +kubebuilder:printcolumn:name="GROUP-ID",type="integer",JSONPath=".status.atProvider.id"
// +kubebuilder:printcolumn:name="GROUP-NAME",type="string",JSONPath=".status.atProvider.name"
// +kubebuilder:printcolumn:name="VISIBILITY",type="string",JSONPath=".status.atProvider.visibility",priority=1
// +kubebuilder:printcolumn:name="AGE",type="date",JSONPath=".metadata.creationTimestamp"
// +kubebuilder:resource:scope=Namespaced,categories={crossplane,managed,github-arc}
type RunnerGroup struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec   RunnerGroupSpec   `json:"spec"`
	Status RunnerGroupStatus `json:"status,omitempty"`
}

// +kubebuilder:object:root=true

// RunnerGroupList contains a list of RunnerGroup.
type RunnerGroupList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []RunnerGroup `json:"items"`
}
