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

// Package clients turns a ProviderConfig or ClusterProviderConfig into what the
// GitHub REST and Actions Service clients need: the config URL, the
// credentials read from a Secret, and an optional CA bundle.
package clients

import (
	"context"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	kerrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	arcv1alpha1 "github.com/arc-crossplane/provider-github-arc/apis/arc/v1alpha1"
	"github.com/arc-crossplane/provider-github-arc/internal/clients/actions"
	ghclient "github.com/arc-crossplane/provider-github-arc/internal/clients/github"
)

const (
	errUnknownKind     = "unknown provider config kind %q: want ProviderConfig or ClusterProviderConfig"
	errGetConfig       = "cannot get %s %q"
	errGetSecret       = "cannot get credentials Secret %s"
	errGetCASecret     = "cannot get CA bundle Secret %s"
	errGetCAConfigMap  = "cannot get CA bundle ConfigMap %s"
	errMissingKey      = "%s %s has no key %q (%s)"
	errEmptyKey        = "key %q of %s %s is empty (%s)"
	errNotInteger      = "key %q of %s %s must hold a positive integer (%s), got %s"
	errNotRSAKey       = "key %q of %s %s must hold the App's PEM-encoded RSA private key, as GitHub generated it"
	errNoCertificate   = "%s holds no PEM certificate"
	errUnknownCredType = "unknown credentials type %q: want App or PAT"
	errConfigURL       = "invalid githubConfigURL %q"
	errNeedAppID       = "the GitHub REST API client needs the App's numeric ID: set credentials.app.appIDKey instead of clientIDKey"
	errRepoScope       = "githubConfigURL %q is a repository: runner groups can only be managed for an organization or an enterprise"
)

// Config is what a GitHub client needs for one ProviderConfig or
// ClusterProviderConfig.
type Config struct {
	ConfigURL      string // githubConfigURL
	Token          string // PAT (Type PAT)
	AppID          int64  // App numeric id (Type App; 0 when ClientID is used)
	ClientID       string // App client id (Type App; "" when AppID is used)
	InstallationID int64
	PrivateKey     []byte // PEM
	CABundle       []byte // PEM, optional (GHES / the simulator)
}

// IsApp tells whether the credentials are a GitHub App installation's rather
// than a personal access token.
func (c Config) IsApp() bool { return c.Token == "" }

// A ConfigError says which object or key of a provider configuration is
// missing or malformed. The message names them, so a person can fix it from
// the condition alone.
type ConfigError struct {
	msg string
	err error
}

func (e *ConfigError) Error() string {
	if e.err != nil {
		return e.msg + ": " + e.err.Error()
	}
	return e.msg
}

func (e *ConfigError) Unwrap() error { return e.err }

// IsConfigError tells whether err is a problem of the provider configuration
// (its Secret, keys or URL) rather than, say, an API server that could not be
// reached: a person must act on it.
func IsConfigError(err error) bool {
	var ce *ConfigError
	return errors.As(err, &ce)
}

func configErrorf(format string, args ...any) error {
	return &ConfigError{msg: fmt.Sprintf(format, args...)}
}

// ResolveConfig reads the ProviderConfig (kind ProviderConfig, in namespace)
// or ClusterProviderConfig named by kind/name and its Secret (and CA bundle),
// and returns a Config or an error that says exactly which object/key is
// missing or malformed.
func ResolveConfig(ctx context.Context, kube client.Reader, namespace, kind, name string) (*Config, error) {
	var pc arcv1alpha1.Config
	switch kind {
	case arcv1alpha1.ProviderConfigKind:
		pc = &arcv1alpha1.ProviderConfig{}
	case arcv1alpha1.ClusterProviderConfigKind:
		pc = &arcv1alpha1.ClusterProviderConfig{}
		namespace = ""
	default:
		return nil, configErrorf(errUnknownKind, kind)
	}
	if err := kube.Get(ctx, types.NamespacedName{Namespace: namespace, Name: name}, pc); err != nil {
		ref := name
		if namespace != "" {
			ref = namespace + "/" + name
		}
		if kerrors.IsNotFound(err) {
			return nil, &ConfigError{msg: fmt.Sprintf(errGetConfig, kind, ref), err: err}
		}
		return nil, fmt.Errorf(errGetConfig+": %w", kind, ref, err)
	}
	return ResolveSettings(ctx, kube, pc.ClientSettings())
}

// ResolveSettings reads the Secret (and CA bundle) that s names and returns a
// Config. The ProviderConfig controllers use it to report a bad Secret on the
// configuration itself.
func ResolveSettings(ctx context.Context, kube client.Reader, s arcv1alpha1.ClientSettings) (*Config, error) {
	cfg := &Config{ConfigURL: s.GitHubConfigURL}
	if _, err := ParseConfigURL(s.GitHubConfigURL); err != nil {
		return nil, err
	}

	sec := &corev1.Secret{}
	if err := kube.Get(ctx, s.CredentialsSecret, sec); err != nil {
		if kerrors.IsNotFound(err) {
			return nil, &ConfigError{msg: fmt.Sprintf(errGetSecret, s.CredentialsSecret), err: err}
		}
		return nil, fmt.Errorf(errGetSecret+": %w", s.CredentialsSecret, err)
	}
	secret := secretData{what: "Secret", ref: s.CredentialsSecret, data: sec.Data}

	switch s.CredentialsType {
	case arcv1alpha1.CredentialsTypePAT:
		tok, err := secret.nonEmpty(s.TokenKey, "a personal access token")
		if err != nil {
			return nil, err
		}
		cfg.Token = strings.TrimSpace(string(tok))
	case arcv1alpha1.CredentialsTypeApp:
		if s.ClientIDKey != "" {
			id, err := secret.nonEmpty(s.ClientIDKey, "the App's client ID")
			if err != nil {
				return nil, err
			}
			cfg.ClientID = strings.TrimSpace(string(id))
		} else {
			id, err := secret.positiveInt(s.AppIDKey, "the App's numeric ID")
			if err != nil {
				return nil, err
			}
			cfg.AppID = id
		}
		inst, err := secret.positiveInt(s.InstallationIDKey, "the App installation's numeric ID")
		if err != nil {
			return nil, err
		}
		cfg.InstallationID = inst
		key, err := secret.nonEmpty(s.PrivateKeyKey, "the App's PEM private key")
		if err != nil {
			return nil, err
		}
		if !isRSAPrivateKey(key) {
			return nil, configErrorf(errNotRSAKey, s.PrivateKeyKey, secret.what, secret.ref)
		}
		cfg.PrivateKey = key
	default:
		return nil, configErrorf(errUnknownCredType, s.CredentialsType)
	}

	ca, err := resolveCABundle(ctx, kube, s.CABundle)
	if err != nil {
		return nil, err
	}
	cfg.CABundle = ca
	return cfg, nil
}

func resolveCABundle(ctx context.Context, kube client.Reader, b *arcv1alpha1.CABundleSettings) ([]byte, error) {
	if b == nil {
		return nil, nil
	}
	var pemBytes []byte
	switch {
	case b.Secret != nil:
		sec := &corev1.Secret{}
		if err := kube.Get(ctx, *b.Secret, sec); err != nil {
			if kerrors.IsNotFound(err) {
				return nil, &ConfigError{msg: fmt.Sprintf(errGetCASecret, b.Secret), err: err}
			}
			return nil, fmt.Errorf(errGetCASecret+": %w", b.Secret, err)
		}
		v, err := secretData{what: "Secret", ref: *b.Secret, data: sec.Data}.nonEmpty(b.Key, "the CA bundle")
		if err != nil {
			return nil, err
		}
		pemBytes = v
	case b.ConfigMap != nil:
		cm := &corev1.ConfigMap{}
		if err := kube.Get(ctx, *b.ConfigMap, cm); err != nil {
			if kerrors.IsNotFound(err) {
				return nil, &ConfigError{msg: fmt.Sprintf(errGetCAConfigMap, b.ConfigMap), err: err}
			}
			return nil, fmt.Errorf(errGetCAConfigMap+": %w", b.ConfigMap, err)
		}
		data := map[string][]byte{}
		for k, v := range cm.Data {
			data[k] = []byte(v)
		}
		for k, v := range cm.BinaryData {
			data[k] = v
		}
		v, err := secretData{what: "ConfigMap", ref: *b.ConfigMap, data: data}.nonEmpty(b.Key, "the CA bundle")
		if err != nil {
			return nil, err
		}
		pemBytes = v
	default:
		pemBytes = []byte(b.PEM)
	}
	if !x509.NewCertPool().AppendCertsFromPEM(pemBytes) {
		return nil, configErrorf(errNoCertificate, "the CA bundle")
	}
	return pemBytes, nil
}

// secretData reads keys of a Secret or ConfigMap and names them in errors.
type secretData struct {
	what string
	ref  types.NamespacedName
	data map[string][]byte
}

func (s secretData) nonEmpty(key, meaning string) ([]byte, error) {
	v, ok := s.data[key]
	if !ok {
		return nil, configErrorf(errMissingKey, s.what, s.ref, key, meaning)
	}
	if len(strings.TrimSpace(string(v))) == 0 {
		return nil, configErrorf(errEmptyKey, key, s.what, s.ref, meaning)
	}
	return v, nil
}

func (s secretData) positiveInt(key, meaning string) (int64, error) {
	v, err := s.nonEmpty(key, meaning)
	if err != nil {
		return 0, err
	}
	text := strings.TrimSpace(string(v))
	n, err := strconv.ParseInt(text, 10, 64)
	if err != nil || n < 1 {
		return 0, configErrorf(errNotInteger, key, s.what, s.ref, meaning, echo(text))
	}
	return n, nil
}

// isRSAPrivateKey tells whether b is a PEM RSA private key in either of the
// encodings GitHub and ghinstallation accept (PKCS#1 or PKCS#8).
func isRSAPrivateKey(b []byte) bool {
	block, _ := pem.Decode(b)
	if block == nil {
		return false
	}
	if _, err := x509.ParsePKCS1PrivateKey(block.Bytes); err == nil {
		return true
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return false
	}
	_, ok := k.(*rsa.PrivateKey)
	return ok
}

// maxEcho is the length up to which a malformed value read from a Secret is
// echoed in an error. No GitHub credential is this short (tokens are 40
// characters and more), so one stored under the wrong key is never shown, not
// even in part.
const maxEcho = 16

// echo is what an error shows of a malformed value read from a Secret: the
// value when it is short enough to be a mistyped id, else only its length.
func echo(s string) string {
	if len(s) <= maxEcho {
		return strconv.Quote(s)
	}
	return fmt.Sprintf("a value of %d characters", len(s))
}

// Scope is where a githubConfigURL points.
type Scope struct {
	// Host is the scheme and host, for example https://github.com.
	Host string
	// GitHubCom is true for github.com, whose REST API is on api.github.com.
	GitHubCom bool
	// Enterprise is set for https://HOST/enterprises/ENTERPRISE.
	Enterprise string
	// Organization is set for https://HOST/ORG and https://HOST/ORG/REPO.
	Organization string
	// Repository is set for https://HOST/ORG/REPO.
	Repository string
}

// ParseConfigURL reads a githubConfigURL the way ARC and the scaleset client
// do: an organization, a repository or an enterprise at the root of a host.
func ParseConfigURL(raw string) (Scope, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return Scope{}, configErrorf(errConfigURL, raw)
	}
	parts := strings.Split(strings.Trim(u.Path, "/"), "/")
	s := Scope{Host: u.Scheme + "://" + u.Host}
	switch host := strings.ToLower(u.Hostname()); host {
	case "github.com", "www.github.com":
		s.GitHubCom = true
	}
	switch {
	case len(parts) == 2 && strings.EqualFold(parts[0], "enterprises") && parts[1] != "":
		s.Enterprise = parts[1]
	case len(parts) == 1 && parts[0] != "":
		s.Organization = parts[0]
	case len(parts) == 2 && parts[0] != "" && parts[1] != "":
		s.Organization, s.Repository = parts[0], parts[1]
	default:
		return Scope{}, configErrorf(errConfigURL, raw)
	}
	return s, nil
}

// GitHubClientConfig is the configuration of the REST client for runner
// groups: the organization or enterprise of the config URL. A repository URL
// has no runner groups of its own and is refused.
func (c Config) GitHubClientConfig() (ghclient.Config, error) {
	s, err := ParseConfigURL(c.ConfigURL)
	if err != nil {
		return ghclient.Config{}, err
	}
	if s.Repository != "" {
		return ghclient.Config{}, configErrorf(errRepoScope, c.ConfigURL)
	}
	out := ghclient.Config{Organization: s.Organization, Enterprise: s.Enterprise, CABundle: c.CABundle}
	if !s.GitHubCom {
		// A GitHub Enterprise Server (or the simulator): the client
		// completes the host with /api/v3/.
		out.BaseURL = s.Host
	}
	if c.IsApp() {
		if c.AppID == 0 {
			// ghinstallation identifies the App by its numeric ID only.
			return ghclient.Config{}, configErrorf(errNeedAppID)
		}
		out.App = &ghclient.AppCredentials{AppID: c.AppID, InstallationID: c.InstallationID, PrivateKeyPEM: c.PrivateKey}
	} else {
		out.PersonalAccessToken = c.Token
	}
	return out, nil
}

// ActionsClientConfig is the configuration of the Actions Service client.
func (c Config) ActionsClientConfig() actions.Config {
	out := actions.Config{ConfigURL: c.ConfigURL, CABundle: c.CABundle}
	if c.IsApp() {
		out.App = &actions.AppCredentials{ClientID: c.ClientID, AppID: c.AppID, InstallationID: c.InstallationID, PrivateKey: c.PrivateKey}
	} else {
		out.Token = c.Token
	}
	return out
}
