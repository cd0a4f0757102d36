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
	"testing"

	"github.com/crossplane/crossplane-runtime/v2/pkg/resource"
	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"
	"github.com/google/go-cmp/cmp"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// The configuration kinds must satisfy what crossplane-runtime v2's
// ProviderConfig reconciler and ProviderConfigUsage tracker need.
var (
	_ resource.ProviderConfig           = &ProviderConfig{}
	_ resource.ProviderConfig           = &ClusterProviderConfig{}
	_ resource.TypedProviderConfigUsage = &ProviderConfigUsage{}
	_ resource.TypedProviderConfigUsage = &ClusterProviderConfigUsage{}
	_ resource.ProviderConfigUsageList  = &ProviderConfigUsageList{}
	_ resource.ProviderConfigUsageList  = &ClusterProviderConfigUsageList{}

	_ Config = &ProviderConfig{}
	_ Config = &ClusterProviderConfig{}
)

const testURL = "https://github.com/my-org"

func TestProviderConfigClientSettings(t *testing.T) {
	cases := map[string]struct {
		reason string
		spec   ProviderConfigSpec
		want   ClientSettings
	}{
		"AppWithDefaultKeys": {
			reason: "An App without key names reads ARC's key names from a Secret in the config's namespace.",
			spec: ProviderConfigSpec{
				GitHubConfigURL: testURL,
				Credentials:     Credentials{Type: CredentialsTypeApp, SecretRef: xpv2.LocalSecretReference{Name: "app"}},
			},
			want: ClientSettings{
				GitHubConfigURL:   testURL,
				CredentialsType:   CredentialsTypeApp,
				CredentialsSecret: types.NamespacedName{Namespace: "team-a", Name: "app"},
				AppIDKey:          "github_app_id",
				InstallationIDKey: "github_app_installation_id",
				PrivateKeyKey:     "github_app_private_key",
			},
		},
		"AppWithClientID": {
			reason: "An App identified by its client ID has no app ID key.",
			spec: ProviderConfigSpec{
				GitHubConfigURL: testURL,
				Credentials: Credentials{
					Type:      CredentialsTypeApp,
					SecretRef: xpv2.LocalSecretReference{Name: "app"},
					App:       &AppSecretKeys{ClientIDKey: "client", InstallationIDKey: "inst", PrivateKeyKey: "pem"},
				},
			},
			want: ClientSettings{
				GitHubConfigURL:   testURL,
				CredentialsType:   CredentialsTypeApp,
				CredentialsSecret: types.NamespacedName{Namespace: "team-a", Name: "app"},
				ClientIDKey:       "client",
				InstallationIDKey: "inst",
				PrivateKeyKey:     "pem",
			},
		},
		"PATWithDefaultKey": {
			reason: "A PAT without a key name reads ARC's github_token key; App keys stay empty.",
			spec: ProviderConfigSpec{
				GitHubConfigURL: testURL,
				Credentials:     Credentials{Type: CredentialsTypePAT, SecretRef: xpv2.LocalSecretReference{Name: "pat"}},
			},
			want: ClientSettings{
				GitHubConfigURL:   testURL,
				CredentialsType:   CredentialsTypePAT,
				CredentialsSecret: types.NamespacedName{Namespace: "team-a", Name: "pat"},
				TokenKey:          "github_token",
			},
		},
		"CABundleFromConfigMap": {
			reason: "A CA bundle ConfigMap is read from the config's namespace, under ca.crt unless a key is given.",
			spec: ProviderConfigSpec{
				GitHubConfigURL: testURL,
				Credentials:     Credentials{Type: CredentialsTypePAT, SecretRef: xpv2.LocalSecretReference{Name: "pat"}, PAT: &PATSecretKeys{TokenKey: "tok"}},
				CABundle:        &CABundle{ConfigMapRef: &LocalKeySelector{Name: "ca"}},
			},
			want: ClientSettings{
				GitHubConfigURL:   testURL,
				CredentialsType:   CredentialsTypePAT,
				CredentialsSecret: types.NamespacedName{Namespace: "team-a", Name: "pat"},
				TokenKey:          "tok",
				CABundle:          &CABundleSettings{ConfigMap: &types.NamespacedName{Namespace: "team-a", Name: "ca"}, Key: "ca.crt"},
			},
		},
		"CABundleInline": {
			reason: "An inline CA bundle is passed through.",
			spec: ProviderConfigSpec{
				GitHubConfigURL: testURL,
				Credentials:     Credentials{Type: CredentialsTypePAT, SecretRef: xpv2.LocalSecretReference{Name: "pat"}},
				CABundle:        &CABundle{PEM: "-----BEGIN CERTIFICATE-----\n"},
			},
			want: ClientSettings{
				GitHubConfigURL:   testURL,
				CredentialsType:   CredentialsTypePAT,
				CredentialsSecret: types.NamespacedName{Namespace: "team-a", Name: "pat"},
				TokenKey:          "github_token",
				CABundle:          &CABundleSettings{PEM: "-----BEGIN CERTIFICATE-----\n"},
			},
		},
	}

	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			pc := &ProviderConfig{ObjectMeta: metav1.ObjectMeta{Name: "pc", Namespace: "team-a"}, Spec: tc.spec}
			if diff := cmp.Diff(tc.want, pc.ClientSettings()); diff != "" {
				t.Errorf("\n%s\nClientSettings(): -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestClusterProviderConfigClientSettings(t *testing.T) {
	cases := map[string]struct {
		reason string
		spec   ClusterProviderConfigSpec
		want   ClientSettings
	}{
		"AppWithSomeKeys": {
			reason: "Key names that are given are used; the others default to ARC's; the Secret's namespace is the reference's.",
			spec: ClusterProviderConfigSpec{
				GitHubConfigURL: testURL,
				Credentials: ClusterCredentials{
					Type:      CredentialsTypeApp,
					SecretRef: xpv2.SecretReference{Name: "app", Namespace: "crossplane-system"},
					App:       &AppSecretKeys{AppIDKey: "id"},
				},
			},
			want: ClientSettings{
				GitHubConfigURL:   testURL,
				CredentialsType:   CredentialsTypeApp,
				CredentialsSecret: types.NamespacedName{Namespace: "crossplane-system", Name: "app"},
				AppIDKey:          "id",
				InstallationIDKey: "github_app_installation_id",
				PrivateKeyKey:     "github_app_private_key",
			},
		},
		"CABundleFromSecret": {
			reason: "A CA bundle Secret is read from the namespace and key the reference names.",
			spec: ClusterProviderConfigSpec{
				GitHubConfigURL: testURL,
				Credentials:     ClusterCredentials{Type: CredentialsTypePAT, SecretRef: xpv2.SecretReference{Name: "pat", Namespace: "ops"}},
				CABundle:        &ClusterCABundle{SecretRef: &KeySelector{Name: "ca", Namespace: "certs", Key: "bundle.pem"}},
			},
			want: ClientSettings{
				GitHubConfigURL:   testURL,
				CredentialsType:   CredentialsTypePAT,
				CredentialsSecret: types.NamespacedName{Namespace: "ops", Name: "pat"},
				TokenKey:          "github_token",
				CABundle:          &CABundleSettings{Secret: &types.NamespacedName{Namespace: "certs", Name: "ca"}, Key: "bundle.pem"},
			},
		},
	}

	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			pc := &ClusterProviderConfig{ObjectMeta: metav1.ObjectMeta{Name: "default"}, Spec: tc.spec}
			if diff := cmp.Diff(tc.want, pc.ClientSettings()); diff != "" {
				t.Errorf("\n%s\nClientSettings(): -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}
