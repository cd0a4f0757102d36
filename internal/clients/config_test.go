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

package clients

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"math/big"
	"testing"

	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"
	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	arcv1alpha1 "github.com/arc-crossplane/provider-github-arc/apis/arc/v1alpha1"
	"github.com/arc-crossplane/provider-github-arc/internal/clients/actions"
	ghclient "github.com/arc-crossplane/provider-github-arc/internal/clients/github"
)

const (
	ns      = "team-a"
	orgURL  = "https://github.com/octo"
	testPAT = "ghp_test"
)

func rsaKeyPEM(t *testing.T) []byte {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(k)})
}

func ecKeyPEM(t *testing.T) []byte {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
}

// caPEM is a self-signed certificate, which is all a CA bundle needs to be.
func caPEM(t *testing.T) []byte {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: bigOne(), IsCA: true, BasicConstraintsValid: true}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}

func secret(name string, data map[string]string) *corev1.Secret {
	s := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}, Data: map[string][]byte{}}
	for k, v := range data {
		s.Data[k] = []byte(v)
	}
	return s
}

func patConfig(name, secretName string) *arcv1alpha1.ProviderConfig {
	return &arcv1alpha1.ProviderConfig{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: arcv1alpha1.ProviderConfigSpec{
			GitHubConfigURL: orgURL,
			Credentials:     arcv1alpha1.Credentials{Type: arcv1alpha1.CredentialsTypePAT, SecretRef: xpv2.LocalSecretReference{Name: secretName}},
		},
	}
}

func appConfig(name, secretName string) *arcv1alpha1.ProviderConfig {
	pc := patConfig(name, secretName)
	pc.Spec.Credentials.Type = arcv1alpha1.CredentialsTypeApp
	return pc
}

func kube(t *testing.T, objs ...client.Object) client.Reader {
	t.Helper()
	s := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(s); err != nil {
		t.Fatal(err)
	}
	if err := arcv1alpha1.AddToScheme(s); err != nil {
		t.Fatal(err)
	}
	return fake.NewClientBuilder().WithScheme(s).WithObjects(objs...).Build()
}

func TestResolveConfig(t *testing.T) {
	key := rsaKeyPEM(t)
	ca := caPEM(t)
	appData := map[string]string{
		arcv1alpha1.DefaultAppIDKey: "123", arcv1alpha1.DefaultInstallationIDKey: " 456\n", arcv1alpha1.DefaultPrivateKeyKey: string(key),
	}

	type args struct {
		objs       []client.Object
		namespace  string
		kind, name string
	}
	type want struct {
		cfg         *Config
		err         string
		configError bool
	}
	cases := map[string]struct {
		reason string
		args   args
		want   want
	}{
		"PAT": {
			reason: "A PAT is read from ARC's key name, trimmed.",
			args: args{
				objs:      []client.Object{patConfig("default", "gh"), secret("gh", map[string]string{"github_token": testPAT + "\n"})},
				namespace: ns, kind: "ProviderConfig", name: "default",
			},
			want: want{cfg: &Config{ConfigURL: orgURL, Token: testPAT}},
		},
		"App": {
			reason: "An App's ids are parsed and its key kept as PEM.",
			args: args{
				objs:      []client.Object{appConfig("default", "gh"), secret("gh", appData)},
				namespace: ns, kind: "ProviderConfig", name: "default",
			},
			want: want{cfg: &Config{ConfigURL: orgURL, AppID: 123, InstallationID: 456, PrivateKey: key}},
		},
		"AppByClientIDWithCABundle": {
			reason: "An App named by client ID, with a CA bundle from a ConfigMap.",
			args: args{
				objs: []client.Object{
					func() *arcv1alpha1.ProviderConfig {
						pc := appConfig("default", "gh")
						pc.Spec.Credentials.App = &arcv1alpha1.AppSecretKeys{ClientIDKey: "client-id"}
						pc.Spec.CABundle = &arcv1alpha1.CABundle{ConfigMapRef: &arcv1alpha1.LocalKeySelector{Name: "ca"}}
						return pc
					}(),
					secret("gh", map[string]string{"client-id": "Iv23abc", arcv1alpha1.DefaultInstallationIDKey: "456", arcv1alpha1.DefaultPrivateKeyKey: string(key)}),
					&corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "ca"}, Data: map[string]string{"ca.crt": string(ca)}},
				},
				namespace: ns, kind: "ProviderConfig", name: "default",
			},
			want: want{cfg: &Config{ConfigURL: orgURL, ClientID: "Iv23abc", InstallationID: 456, PrivateKey: key, CABundle: ca}},
		},
		"ClusterProviderConfig": {
			reason: "A ClusterProviderConfig reads its Secret from the namespace it names, whatever the resource's namespace.",
			args: args{
				objs: []client.Object{
					&arcv1alpha1.ClusterProviderConfig{
						ObjectMeta: metav1.ObjectMeta{Name: "shared"},
						Spec: arcv1alpha1.ClusterProviderConfigSpec{
							GitHubConfigURL: orgURL,
							Credentials: arcv1alpha1.ClusterCredentials{
								Type: arcv1alpha1.CredentialsTypePAT, SecretRef: xpv2.SecretReference{Namespace: ns, Name: "gh"},
							},
						},
					},
					secret("gh", map[string]string{"github_token": testPAT}),
				},
				namespace: "elsewhere", kind: "ClusterProviderConfig", name: "shared",
			},
			want: want{cfg: &Config{ConfigURL: orgURL, Token: testPAT}},
		},
		"MissingConfig": {
			reason: "A missing ProviderConfig is named.",
			args:   args{namespace: ns, kind: "ProviderConfig", name: "default"},
			want:   want{err: `cannot get ProviderConfig "team-a/default": providerconfigs.arc.crossplane.io "default" not found`, configError: true},
		},
		"UnknownKind": {
			reason: "Only the two kinds of configuration exist.",
			args:   args{namespace: ns, kind: "Config", name: "default"},
			want:   want{err: `unknown provider config kind "Config": want ProviderConfig or ClusterProviderConfig`, configError: true},
		},
		"MissingSecret": {
			reason: "A missing Secret is named with its namespace.",
			args:   args{objs: []client.Object{patConfig("default", "gh")}, namespace: ns, kind: "ProviderConfig", name: "default"},
			want:   want{err: `cannot get credentials Secret team-a/gh: secrets "gh" not found`, configError: true},
		},
		"MissingKey": {
			reason: "A missing key is named, with what it should hold.",
			args: args{
				objs:      []client.Object{patConfig("default", "gh"), secret("gh", map[string]string{"token": testPAT})},
				namespace: ns, kind: "ProviderConfig", name: "default",
			},
			want: want{err: `Secret team-a/gh has no key "github_token" (a personal access token)`, configError: true},
		},
		"EmptyKey": {
			reason: "An empty value is as good as none.",
			args: args{
				objs:      []client.Object{patConfig("default", "gh"), secret("gh", map[string]string{"github_token": " \n"})},
				namespace: ns, kind: "ProviderConfig", name: "default",
			},
			want: want{err: `key "github_token" of Secret team-a/gh is empty (a personal access token)`, configError: true},
		},
		"InstallationIDNotANumber": {
			reason: "An id that is not a number is named and echoed.",
			args: args{
				objs: []client.Object{appConfig("default", "gh"), secret("gh", map[string]string{
					arcv1alpha1.DefaultAppIDKey: "123", arcv1alpha1.DefaultInstallationIDKey: "my-install", arcv1alpha1.DefaultPrivateKeyKey: string(key),
				})},
				namespace: ns, kind: "ProviderConfig", name: "default",
			},
			want: want{err: `key "github_app_installation_id" of Secret team-a/gh must hold a positive integer (the App installation's numeric ID), got "my-install"`, configError: true},
		},
		"CredentialUnderIDKeyNotEchoed": {
			reason: "A token stored under an id's key is not echoed, not even in part: errors reach conditions, events and logs.",
			args: args{
				objs: []client.Object{appConfig("default", "gh"), secret("gh", map[string]string{
					arcv1alpha1.DefaultAppIDKey: "123", arcv1alpha1.DefaultInstallationIDKey: "ghp_0123456789abcdefghijklmnopqrstuvwxyz", arcv1alpha1.DefaultPrivateKeyKey: string(key),
				})},
				namespace: ns, kind: "ProviderConfig", name: "default",
			},
			want: want{err: `key "github_app_installation_id" of Secret team-a/gh must hold a positive integer (the App installation's numeric ID), got a value of 40 characters`, configError: true},
		},
		"PrivateKeyNotRSA": {
			reason: "GitHub App keys are RSA; anything else is refused before GitHub is called.",
			args: args{
				objs: []client.Object{appConfig("default", "gh"), secret("gh", map[string]string{
					arcv1alpha1.DefaultAppIDKey: "123", arcv1alpha1.DefaultInstallationIDKey: "456", arcv1alpha1.DefaultPrivateKeyKey: string(ecKeyPEM(t)),
				})},
				namespace: ns, kind: "ProviderConfig", name: "default",
			},
			want: want{err: `key "github_app_private_key" of Secret team-a/gh must hold the App's PEM-encoded RSA private key, as GitHub generated it`, configError: true},
		},
		"CABundleWithoutCertificate": {
			reason: "A CA bundle must hold a certificate.",
			args: args{
				objs: []client.Object{
					func() *arcv1alpha1.ProviderConfig {
						pc := patConfig("default", "gh")
						pc.Spec.CABundle = &arcv1alpha1.CABundle{SecretRef: &arcv1alpha1.LocalKeySelector{Name: "gh", Key: "ca"}}
						return pc
					}(),
					secret("gh", map[string]string{"github_token": testPAT, "ca": "not a certificate"}),
				},
				namespace: ns, kind: "ProviderConfig", name: "default",
			},
			want: want{err: `the CA bundle holds no PEM certificate`, configError: true},
		},
		"BadURL": {
			reason: "A URL that is neither an organization, a repository nor an enterprise is refused.",
			args: args{
				objs: []client.Object{
					func() *arcv1alpha1.ProviderConfig {
						pc := patConfig("default", "gh")
						pc.Spec.GitHubConfigURL = "https://github.com/a/b/c"
						return pc
					}(),
					secret("gh", map[string]string{"github_token": testPAT}),
				},
				namespace: ns, kind: "ProviderConfig", name: "default",
			},
			want: want{err: `invalid githubConfigURL "https://github.com/a/b/c"`, configError: true},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got, err := ResolveConfig(t.Context(), kube(t, tc.args.objs...), tc.args.namespace, tc.args.kind, tc.args.name)
			gotErr := ""
			if err != nil {
				gotErr = err.Error()
			}
			if diff := cmp.Diff(tc.want.err, gotErr); diff != "" {
				t.Errorf("%s\nResolveConfig(...): -want error, +got error:\n%s", tc.reason, diff)
			}
			if err != nil && IsConfigError(err) != tc.want.configError {
				t.Errorf("%s\nIsConfigError(...): want %t", tc.reason, tc.want.configError)
			}
			if diff := cmp.Diff(tc.want.cfg, got); diff != "" {
				t.Errorf("%s\nResolveConfig(...): -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestClientConfigs(t *testing.T) {
	key := []byte("pem")
	cases := map[string]struct {
		reason  string
		cfg     Config
		github  ghclient.Config
		gErr    string
		actions actions.Config
	}{
		"GitHubComOrganizationPAT": {
			reason:  "github.com uses go-github's default base URL.",
			cfg:     Config{ConfigURL: "https://github.com/octo", Token: testPAT},
			github:  ghclient.Config{Organization: "octo", PersonalAccessToken: testPAT},
			actions: actions.Config{ConfigURL: "https://github.com/octo", Token: testPAT},
		},
		"GHESEnterpriseApp": {
			reason:  "A GHES host is the REST base; an enterprise URL scopes enterprise groups.",
			cfg:     Config{ConfigURL: "https://ghes.example.com/enterprises/big", AppID: 1, InstallationID: 2, PrivateKey: key, CABundle: []byte("ca")},
			github:  ghclient.Config{BaseURL: "https://ghes.example.com", Enterprise: "big", CABundle: []byte("ca"), App: &ghclient.AppCredentials{AppID: 1, InstallationID: 2, PrivateKeyPEM: key}},
			actions: actions.Config{ConfigURL: "https://ghes.example.com/enterprises/big", CABundle: []byte("ca"), App: &actions.AppCredentials{AppID: 1, InstallationID: 2, PrivateKey: key}},
		},
		"RepositoryHasNoGroups": {
			reason:  "A repository URL holds scale sets but cannot manage runner groups.",
			cfg:     Config{ConfigURL: "https://github.com/octo/app", Token: testPAT},
			gErr:    `githubConfigURL "https://github.com/octo/app" is a repository: runner groups can only be managed for an organization or an enterprise`,
			actions: actions.Config{ConfigURL: "https://github.com/octo/app", Token: testPAT},
		},
		"ClientIDNeedsAppIDForREST": {
			reason:  "ghinstallation needs the numeric App ID; the Actions client takes the client ID.",
			cfg:     Config{ConfigURL: "https://github.com/octo", ClientID: "Iv23", InstallationID: 2, PrivateKey: key},
			gErr:    errNeedAppID,
			actions: actions.Config{ConfigURL: "https://github.com/octo", App: &actions.AppCredentials{ClientID: "Iv23", InstallationID: 2, PrivateKey: key}},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got, err := tc.cfg.GitHubClientConfig()
			gotErr := ""
			if err != nil {
				gotErr = err.Error()
				got = ghclient.Config{}
			}
			if diff := cmp.Diff(tc.gErr, gotErr); diff != "" {
				t.Errorf("%s\nGitHubClientConfig(): -want error, +got error:\n%s", tc.reason, diff)
			}
			if tc.gErr == "" {
				if diff := cmp.Diff(tc.github, got); diff != "" {
					t.Errorf("%s\nGitHubClientConfig(): -want, +got:\n%s", tc.reason, diff)
				}
			}
			if diff := cmp.Diff(tc.actions, tc.cfg.ActionsClientConfig(), cmp.AllowUnexported(actions.Config{})); diff != "" {
				t.Errorf("%s\nActionsClientConfig(): -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

func bigOne() *big.Int { return big.NewInt(1) }
