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
	"github.com/crossplane/crossplane-runtime/v2/pkg/resource"
	"k8s.io/apimachinery/pkg/types"
)

// A Config is a ProviderConfig or a ClusterProviderConfig. Controllers that
// only need to reach GitHub can treat both kinds alike through ClientSettings.
// +kubebuilder:object:generate=false
type Config interface {
	resource.ProviderConfig

	// ClientSettings returns what a client needs to reach GitHub, with every
	// default applied and every reference made namespaced.
	ClientSettings() ClientSettings
}

// ClientSettings is the kind-independent view of a ProviderConfig or a
// ClusterProviderConfig.
type ClientSettings struct {
	// GitHubConfigURL is the organization, repository or enterprise URL.
	GitHubConfigURL string

	// CredentialsType is App or PAT.
	CredentialsType CredentialsType

	// CredentialsSecret is the Secret that holds the credentials.
	CredentialsSecret types.NamespacedName

	// AppIDKey is the Secret key of the App's numeric ID. Empty unless
	// CredentialsType is App and the App is identified by its numeric ID.
	AppIDKey string

	// ClientIDKey is the Secret key of the App's client ID. Empty unless
	// CredentialsType is App and the App is identified by its client ID.
	ClientIDKey string

	// InstallationIDKey is the Secret key of the installation ID. Empty unless
	// CredentialsType is App.
	InstallationIDKey string

	// PrivateKeyKey is the Secret key of the App's private key. Empty unless
	// CredentialsType is App.
	PrivateKeyKey string

	// TokenKey is the Secret key of the personal access token. Empty unless
	// CredentialsType is PAT.
	TokenKey string

	// CABundle is where to read extra certificate authorities from; nil when
	// the system's roots are enough.
	CABundle *CABundleSettings
}

// CABundleSettings is where to read extra certificate authorities from:
// exactly one of Secret, ConfigMap and PEM is set.
type CABundleSettings struct {
	// Secret holding the bundle under Key.
	Secret *types.NamespacedName

	// ConfigMap holding the bundle under Key.
	ConfigMap *types.NamespacedName

	// Key of the Secret or ConfigMap whose value is the bundle.
	Key string

	// PEM is the inline bundle.
	PEM string
}

// ClientSettings returns what a client needs to reach GitHub. References are
// resolved in the ProviderConfig's own namespace.
func (pc *ProviderConfig) ClientSettings() ClientSettings {
	ns, c := pc.GetNamespace(), pc.Spec.Credentials
	return clientSettings(pc.Spec.GitHubConfigURL, c.Type, types.NamespacedName{Namespace: ns, Name: c.SecretRef.Name},
		c.App, c.PAT, pc.Spec.CABundle.inNamespace(ns))
}

// ClientSettings returns what a client needs to reach GitHub.
func (pc *ClusterProviderConfig) ClientSettings() ClientSettings {
	c := pc.Spec.Credentials
	return clientSettings(pc.Spec.GitHubConfigURL, c.Type, types.NamespacedName{Namespace: c.SecretRef.Namespace, Name: c.SecretRef.Name},
		c.App, c.PAT, pc.Spec.CABundle)
}

// inNamespace is the bundle with its references made namespaced, as a
// ClusterProviderConfig's are.
func (b *CABundle) inNamespace(ns string) *ClusterCABundle {
	if b == nil {
		return nil
	}
	out := &ClusterCABundle{PEM: b.PEM}
	if r := b.SecretRef; r != nil {
		out.SecretRef = &KeySelector{Name: r.Name, Namespace: ns, Key: r.Key}
	}
	if r := b.ConfigMapRef; r != nil {
		out.ConfigMapRef = &KeySelector{Name: r.Name, Namespace: ns, Key: r.Key}
	}
	return out
}

// clientSettings is the kind-independent part of ClientSettings.
func clientSettings(url GitHubConfigURL, t CredentialsType, secret types.NamespacedName, app *AppSecretKeys, pat *PATSecretKeys, b *ClusterCABundle) ClientSettings {
	s := ClientSettings{GitHubConfigURL: string(url), CredentialsType: t, CredentialsSecret: secret}
	s.setKeys(app, pat)
	if b == nil {
		return s
	}
	s.CABundle = &CABundleSettings{PEM: string(b.PEM)}
	switch {
	case b.SecretRef != nil:
		s.CABundle.Secret = &types.NamespacedName{Namespace: b.SecretRef.Namespace, Name: string(b.SecretRef.Name)}
		s.CABundle.Key = keyOrDefault(b.SecretRef.Key, DefaultCABundleKey)
	case b.ConfigMapRef != nil:
		s.CABundle.ConfigMap = &types.NamespacedName{Namespace: b.ConfigMapRef.Namespace, Name: string(b.ConfigMapRef.Name)}
		s.CABundle.Key = keyOrDefault(b.ConfigMapRef.Key, DefaultCABundleKey)
	}
	return s
}

// setKeys fills in the Secret key names for the credentials type, applying
// the defaults the API documents. Objects written before a default existed, or
// created without the API server's defaulting (as in unit tests), get the same
// keys as freshly defaulted ones.
func (s *ClientSettings) setKeys(app *AppSecretKeys, pat *PATSecretKeys) {
	switch s.CredentialsType {
	case CredentialsTypeApp:
		if app == nil {
			app = &AppSecretKeys{}
		}
		if app.ClientIDKey != "" {
			s.ClientIDKey = string(app.ClientIDKey)
		} else {
			s.AppIDKey = keyOrDefault(app.AppIDKey, DefaultAppIDKey)
		}
		s.InstallationIDKey = keyOrDefault(app.InstallationIDKey, DefaultInstallationIDKey)
		s.PrivateKeyKey = keyOrDefault(app.PrivateKeyKey, DefaultPrivateKeyKey)
	case CredentialsTypePAT:
		if pat == nil {
			pat = &PATSecretKeys{}
		}
		s.TokenKey = keyOrDefault(pat.TokenKey, DefaultTokenKey)
	}
}

func keyOrDefault(k SecretKey, def string) string {
	if k == "" {
		return def
	}
	return string(k)
}
