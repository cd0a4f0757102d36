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

// CredentialsType says which kind of GitHub credential the Secret holds.
// +kubebuilder:validation:Enum=App;PAT
type CredentialsType string

// Credential types.
const (
	// CredentialsTypeApp is a GitHub App installation: the App's ID (or client
	// ID), the installation ID and the App's private key. The provider mints
	// short-lived installation tokens from them.
	CredentialsTypeApp CredentialsType = "App"

	// CredentialsTypePAT is a personal access token. An enterprise URL needs
	// a classic PAT with the manage_runners:enterprise scope.
	CredentialsTypePAT CredentialsType = "PAT"
)

// CredentialsSource says where the credentials come from. Only a Kubernetes
// Secret is supported: the provider never reads its own environment or file
// system for GitHub credentials, so one provider can serve many teams.
// +kubebuilder:validation:Enum=Secret
type CredentialsSource string

// CredentialsSourceSecret reads the credentials from a Secret.
const CredentialsSourceSecret CredentialsSource = "Secret"

// Default key names in the credentials Secret, used when a key name is not
// given. They are the key names of ARC's githubConfigSecret, so a Secret made
// for ARC works here unchanged.
const (
	DefaultAppIDKey          = "github_app_id"
	DefaultInstallationIDKey = "github_app_installation_id"
	DefaultPrivateKeyKey     = "github_app_private_key"
	DefaultTokenKey          = "github_token"
	DefaultCABundleKey       = "ca.crt"
)

// SecretKey is the name of a key in a Secret or ConfigMap.
// +kubebuilder:validation:MinLength=1
// +kubebuilder:validation:MaxLength=253
// +kubebuilder:validation:Pattern=`^[-._a-zA-Z0-9]+$`
type SecretKey string

// GitHubConfigURL is the GitHub URL that scopes everything the provider does
// with a configuration.
//
// Three forms are accepted, for github.com and GitHub Enterprise Server alike:
//   - an organization:  https://github.com/ORG
//   - a repository:     https://github.com/ORG/REPO
//   - an enterprise:    https://github.com/enterprises/ENTERPRISE
//
// GitHub Enterprise Server must be served from the root of its host, for
// example https://ghes.example.com/ORG: a URL with more than two path segments
// is not a GitHub config URL. This is the same rule ARC and GitHub's scaleset
// client apply.
// +kubebuilder:validation:MaxLength=1024
// +kubebuilder:validation:XValidation:rule="self.matches(r'^https?://[^/?#@\\s]+/[^/?#\\s]+(/[^/?#\\s]+)?/?$')",message="githubConfigURL must be the http(s) URL of an organization (https://github.com/ORG), a repository (https://github.com/ORG/REPO) or an enterprise (https://github.com/enterprises/ENTERPRISE), without query, fragment or user info; GitHub Enterprise Server must be addressed from the root of its host, for example https://ghes.example.com/ORG"
type GitHubConfigURL string

// AppSecretKeys names the keys of the credentials Secret that hold a GitHub
// App installation. Every key has a default, the key name ARC uses, so the
// whole block can be left out for a Secret made for ARC.
// +kubebuilder:validation:XValidation:rule="!(has(self.appIDKey) && has(self.clientIDKey))",message="set appIDKey or clientIDKey, not both: the App is identified by its numeric ID or by its client ID"
type AppSecretKeys struct {
	// AppIDKey is the key whose value is the App's numeric ID (for example
	// 123456). Defaults to "github_app_id" when clientIDKey is not set.
	// +optional
	AppIDKey SecretKey `json:"appIDKey,omitempty"`

	// ClientIDKey is the key whose value is the App's client ID (for example
	// Iv23liAbCdEf). github.com accepts either as the issuer of the App's
	// JSON web token; an older GitHub Enterprise Server may accept only the
	// numeric ID. Set this or appIDKey.
	// +optional
	ClientIDKey SecretKey `json:"clientIDKey,omitempty"`

	// InstallationIDKey is the key whose value is the numeric ID of the App's
	// installation on the organization, repository or enterprise of
	// githubConfigURL. Defaults to "github_app_installation_id".
	// +optional
	InstallationIDKey SecretKey `json:"installationIDKey,omitempty"`

	// PrivateKeyKey is the key whose value is the App's PEM-encoded RSA private
	// key, exactly as GitHub generated it. Defaults to
	// "github_app_private_key".
	// +optional
	PrivateKeyKey SecretKey `json:"privateKeyKey,omitempty"`
}

// PATSecretKeys names the key of the credentials Secret that holds a personal
// access token.
type PATSecretKeys struct {
	// TokenKey is the key whose value is the token. Defaults to
	// "github_token".
	// +optional
	TokenKey SecretKey `json:"tokenKey,omitempty"`
}

// Credentials of a namespaced ProviderConfig: a Secret in the ProviderConfig's
// own namespace.
// +kubebuilder:validation:XValidation:rule="self.type == 'App' || !has(self.app)",message="credentials.app names the keys of a GitHub App and can only be set when type is App"
// +kubebuilder:validation:XValidation:rule="self.type == 'PAT' || !has(self.pat)",message="credentials.pat names the key of a personal access token and can only be set when type is PAT"
type Credentials struct {
	// Source of the credentials. Only Secret is supported.
	// +kubebuilder:default=Secret
	// +optional
	Source CredentialsSource `json:"source,omitempty"`

	// Type of the credentials: App for a GitHub App installation (recommended:
	// short-lived tokens, fine-grained permissions) or PAT for a personal
	// access token.
	Type CredentialsType `json:"type"`

	// SecretRef names the Secret, in the same namespace as this
	// ProviderConfig, that holds the credentials. A ProviderConfig can only
	// read Secrets of its own namespace, so a team cannot point it at another
	// team's Secret.
	SecretRef xpv2.LocalSecretReference `json:"secretRef"`

	// App names the keys of the Secret that hold the GitHub App installation
	// when type is App. Leave it out to use ARC's key names github_app_id,
	// github_app_installation_id and github_app_private_key.
	// +optional
	App *AppSecretKeys `json:"app,omitempty"`

	// PAT names the key of the Secret that holds the token when type is PAT.
	// Leave it out to use ARC's key name github_token.
	// +optional
	PAT *PATSecretKeys `json:"pat,omitempty"`
}

// ClusterCredentials of a ClusterProviderConfig: a Secret in any namespace.
// +kubebuilder:validation:XValidation:rule="self.type == 'App' || !has(self.app)",message="credentials.app names the keys of a GitHub App and can only be set when type is App"
// +kubebuilder:validation:XValidation:rule="self.type == 'PAT' || !has(self.pat)",message="credentials.pat names the key of a personal access token and can only be set when type is PAT"
type ClusterCredentials struct {
	// Source of the credentials. Only Secret is supported.
	// +kubebuilder:default=Secret
	// +optional
	Source CredentialsSource `json:"source,omitempty"`

	// Type of the credentials: App for a GitHub App installation (recommended:
	// short-lived tokens, fine-grained permissions) or PAT for a personal
	// access token.
	Type CredentialsType `json:"type"`

	// SecretRef names the Secret, and its namespace, that holds the
	// credentials. Usually a namespace only the platform team can read, such as
	// crossplane-system.
	SecretRef xpv2.SecretReference `json:"secretRef"`

	// App names the keys of the Secret that hold the GitHub App installation
	// when type is App. Leave it out to use ARC's key names github_app_id,
	// github_app_installation_id and github_app_private_key.
	// +optional
	App *AppSecretKeys `json:"app,omitempty"`

	// PAT names the key of the Secret that holds the token when type is PAT.
	// Leave it out to use ARC's key name github_token.
	// +optional
	PAT *PATSecretKeys `json:"pat,omitempty"`
}

// ObjectName is the name of a Kubernetes object such as a Secret or a
// ConfigMap.
// +kubebuilder:validation:MinLength=1
// +kubebuilder:validation:MaxLength=253
// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`
type ObjectName string

// LocalKeySelector selects a key of a Secret or ConfigMap in the namespace of
// the object that holds the selector.
type LocalKeySelector struct {
	// Name of the Secret or ConfigMap.
	Name ObjectName `json:"name"`

	// Key whose value is read. Defaults to "ca.crt".
	// +kubebuilder:default=ca.crt
	// +optional
	Key SecretKey `json:"key,omitempty"`
}

// KeySelector selects a key of a Secret or ConfigMap in a given namespace.
type KeySelector struct {
	// Name of the Secret or ConfigMap.
	Name ObjectName `json:"name"`

	// Namespace of the Secret or ConfigMap.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=63
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`
	Namespace string `json:"namespace"`

	// Key whose value is read. Defaults to "ca.crt".
	// +kubebuilder:default=ca.crt
	// +optional
	Key SecretKey `json:"key,omitempty"`
}

// PEMBundle is one or more PEM-encoded X.509 certificates.
// +kubebuilder:validation:MaxLength=262144
// +kubebuilder:validation:XValidation:rule="self.contains('-----BEGIN CERTIFICATE-----')",message="pem must hold one or more PEM-encoded certificates, each starting with -----BEGIN CERTIFICATE-----"
type PEMBundle string

// CABundle is the set of certificate authorities the provider trusts when it
// talks to a GitHub Enterprise Server (or a test server) whose certificate is
// not signed by a public CA. They are added to the system's trusted roots;
// they do not replace them. Give exactly one source.
// +kubebuilder:validation:XValidation:rule="(has(self.secretRef) ? 1 : 0) + (has(self.configMapRef) ? 1 : 0) + (has(self.pem) ? 1 : 0) == 1",message="caBundle needs exactly one of secretRef, configMapRef or pem"
type CABundle struct {
	// SecretRef selects a key of a Secret in this ProviderConfig's namespace
	// that holds the PEM bundle.
	// +optional
	SecretRef *LocalKeySelector `json:"secretRef,omitempty"`

	// ConfigMapRef selects a key of a ConfigMap in this ProviderConfig's
	// namespace that holds the PEM bundle.
	// +optional
	ConfigMapRef *LocalKeySelector `json:"configMapRef,omitempty"`

	// PEM is the bundle itself, inline.
	// +optional
	PEM PEMBundle `json:"pem,omitempty"`
}

// ClusterCABundle is the set of certificate authorities the provider trusts
// when it talks to a GitHub Enterprise Server (or a test server) whose
// certificate is not signed by a public CA. They are added to the system's
// trusted roots; they do not replace them. Give exactly one source.
// +kubebuilder:validation:XValidation:rule="(has(self.secretRef) ? 1 : 0) + (has(self.configMapRef) ? 1 : 0) + (has(self.pem) ? 1 : 0) == 1",message="caBundle needs exactly one of secretRef, configMapRef or pem"
type ClusterCABundle struct {
	// SecretRef selects a key of a Secret that holds the PEM bundle.
	// +optional
	SecretRef *KeySelector `json:"secretRef,omitempty"`

	// ConfigMapRef selects a key of a ConfigMap that holds the PEM bundle.
	// +optional
	ConfigMapRef *KeySelector `json:"configMapRef,omitempty"`

	// PEM is the bundle itself, inline.
	// +optional
	PEM PEMBundle `json:"pem,omitempty"`
}

// ProviderConfigSpec is where GitHub is and how to authenticate to it.
type ProviderConfigSpec struct {
	// GitHubConfigURL is the organization, repository or enterprise the
	// provider works in, on github.com or a GitHub Enterprise Server, for
	// example https://github.com/my-org. Runner groups are managed at the
	// organization or enterprise of this URL; runner scale sets are registered
	// there. A repository URL can hold scale sets but no runner groups other
	// than Default.
	GitHubConfigURL GitHubConfigURL `json:"githubConfigURL"`

	// Credentials to authenticate to GitHub.
	Credentials Credentials `json:"credentials"`

	// CABundle adds certificate authorities to trust, for a GitHub Enterprise
	// Server whose certificate a public CA did not sign.
	// +optional
	CABundle *CABundle `json:"caBundle,omitempty"`
}

// ClusterProviderConfigSpec is where GitHub is and how to authenticate to it.
type ClusterProviderConfigSpec struct {
	// GitHubConfigURL is the organization, repository or enterprise the
	// provider works in, on github.com or a GitHub Enterprise Server, for
	// example https://github.com/my-org. Runner groups are managed at the
	// organization or enterprise of this URL; runner scale sets are registered
	// there. A repository URL can hold scale sets but no runner groups other
	// than Default.
	GitHubConfigURL GitHubConfigURL `json:"githubConfigURL"`

	// Credentials to authenticate to GitHub.
	Credentials ClusterCredentials `json:"credentials"`

	// CABundle adds certificate authorities to trust, for a GitHub Enterprise
	// Server whose certificate a public CA did not sign.
	// +optional
	CABundle *ClusterCABundle `json:"caBundle,omitempty"`
}

// ProviderConfigStatus is the observed state of a ProviderConfig or
// ClusterProviderConfig: its conditions (whether its Secret and keys could be
// read) and how many managed resources use it. A configuration that is in
// use cannot be deleted until its users are gone.
type ProviderConfigStatus struct {
	xpv2.ProviderConfigStatus `json:",inline"`
}

// +kubebuilder:object:root=true

// A ProviderConfig tells the resources of its namespace where GitHub is and
// how to authenticate to it. Its credentials Secret lives in the same
// namespace. Managed resources select it with
// spec.providerConfigRef: {kind: ProviderConfig, name: ...}.
// +kubebuilder:subresource:status
// +kubebuilder:printcolumn:name="URL",type="string",JSONPath=".spec.githubConfigURL"
// +kubebuilder:printcolumn:name="TYPE",type="string",JSONPath=".spec.credentials.type"
// +kubebuilder:printcolumn:name="SECRET",type="string",JSONPath=".spec.credentials.secretRef.name",priority=1
// +kubebuilder:printcolumn:name="USERS",type="integer",JSONPath=".status.users"
// +kubebuilder:printcolumn:name="AGE",type="date",JSONPath=".metadata.creationTimestamp"
// +kubebuilder:resource:scope=Namespaced,categories={crossplane,provider,github-arc}
type ProviderConfig struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec   ProviderConfigSpec   `json:"spec"`
	Status ProviderConfigStatus `json:"status,omitempty"`
}

// +kubebuilder:object:root=true

// ProviderConfigList contains a list of ProviderConfig.
type ProviderConfigList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []ProviderConfig `json:"items"`
}

// +kubebuilder:object:root=true

// A ClusterProviderConfig tells resources of every namespace where GitHub is
// and how to authenticate to it. Its credentials Secret may live in any
// namespace. Managed resources select it with
// spec.providerConfigRef: {kind: ClusterProviderConfig, name: ...}; one named
// "default" is used when a managed resource names none.
// +kubebuilder:subresource:status
// +kubebuilder:printcolumn:name="URL",type="string",JSONPath=".spec.githubConfigURL"
// +kubebuilder:printcolumn:name="TYPE",type="string",JSONPath=".spec.credentials.type"
// +kubebuilder:printcolumn:name="SECRET",type="string",JSONPath=".spec.credentials.secretRef.name",priority=1
// +kubebuilder:printcolumn:name="USERS",type="integer",JSONPath=".status.users"
// +kubebuilder:printcolumn:name="AGE",type="date",JSONPath=".metadata.creationTimestamp"
// +kubebuilder:resource:scope=Cluster,categories={crossplane,provider,github-arc}
type ClusterProviderConfig struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec   ClusterProviderConfigSpec `json:"spec"`
	Status ProviderConfigStatus      `json:"status,omitempty"`
}

// +kubebuilder:object:root=true

// ClusterProviderConfigList contains a list of ClusterProviderConfig.
type ClusterProviderConfigList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []ClusterProviderConfig `json:"items"`
}
