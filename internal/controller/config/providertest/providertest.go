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

// Package providertest runs the provider's controllers in-process against the
// local cluster and an in-process GitHub simulator, for the integration tests
// of the managed resources. Each test gets its own namespace, simulator,
// credentials Secret and ProviderConfig named "default".
package providertest

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	xpcontroller "github.com/crossplane/crossplane-runtime/v2/pkg/controller"
	"github.com/crossplane/crossplane-runtime/v2/pkg/feature"
	"github.com/crossplane/crossplane-runtime/v2/pkg/logging"
	"github.com/crossplane/crossplane-runtime/v2/pkg/meta"
	"github.com/crossplane/crossplane-runtime/v2/pkg/ratelimiter"
	"github.com/crossplane/crossplane-runtime/v2/pkg/resource"
	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"
	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	ctrlconfig "sigs.k8s.io/controller-runtime/pkg/config"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	"github.com/arc-crossplane/provider-github-arc/apis"
	arcv1alpha1 "github.com/arc-crossplane/provider-github-arc/apis/arc/v1alpha1"
	"github.com/arc-crossplane/provider-github-arc/cluster/testenv"
	"github.com/arc-crossplane/provider-github-arc/internal/clients/actions"
	ghclient "github.com/arc-crossplane/provider-github-arc/internal/clients/github"
	"github.com/arc-crossplane/provider-github-arc/internal/controller"
	arcruntime "github.com/arc-crossplane/provider-github-arc/internal/controller/runtime"
	"github.com/arc-crossplane/provider-github-arc/internal/simulator"
)

// The simulated GitHub: one enterprise with one organization, a PAT for
// each, and a GitHub App installed on the organization.
const (
	Org            = "octo"
	Enterprise     = "octo-ent"
	OrgPAT         = "ghp_octo_admin"
	EnterprisePAT  = "ghp_octo_ent_admin"
	AppID          = int64(4242)
	InstallationID = int64(2424)

	// PATSecret is the Secret of the default ProviderConfig.
	PATSecret = "github-pat"
	// DefaultConfig is the ProviderConfig every test namespace has.
	DefaultConfig = "default"

	// PollInterval is the provider's poll interval in tests: short, so that
	// drift is put back within seconds.
	PollInterval = 2 * time.Second

	// Timeout bounds every wait on a condition.
	Timeout = 60 * time.Second

	// RecoveryTimeout bounds the wait for a resource to recover by itself
	// once an error is gone: past the longest backoff of the controllers'
	// rate limiter (one minute), plus a poll.
	RecoveryTimeout = 90 * time.Second
)

// Repositories of the organization.
var Repositories = []string{"api", "web", "docs"}

// Env is one test's world: a namespace of the cluster, a simulator and
// clients of both.
type Env struct {
	*testenv.Env

	// Namespace is the test's own.
	Namespace string
	// Sim is the simulated GitHub.
	Sim *simulator.Server
	// GitHub is a REST client of the organization, to arrange and check
	// state at GitHub as a person would.
	GitHub ghclient.RunnerGroupClient
	// EnterpriseGitHub is a REST client of the enterprise.
	EnterpriseGitHub ghclient.RunnerGroupClient
	// Actions is an Actions Service client of the organization.
	Actions actions.Client
	// AppKeyPEM is the private key of the installed App.
	AppKeyPEM []byte

	setups []func(ctrl.Manager, controller.Options) error
}

// AddToScheme must run before testenv.Main, from TestMain.
func AddToScheme() {
	testenv.AddToSchemes = append(testenv.AddToSchemes, apis.AddToScheme)
}

// New starts a simulator and prepares a namespace with a PAT Secret and the
// ProviderConfig "default" that uses it. The controllers that setups add are
// started by StartProvider.
func New(t *testing.T, setups ...func(ctrl.Manager, controller.Options) error) *Env {
	t.Helper()
	env := testenv.Get(t)
	ns := env.Namespace(t)

	appKey := NewRSAKeyPEM(t)
	ctx, cancel := context.WithCancel(context.Background())
	sim, err := simulator.Start(ctx, simulator.Options{Setup: simulator.Setup{
		Enterprises: []simulator.EnterpriseSpec{{Slug: Enterprise}},
		Orgs: []simulator.OrgSpec{{Login: Org, Enterprise: Enterprise, Repositories: []simulator.RepoSpec{
			{Name: Repositories[0], Private: true}, {Name: Repositories[1], Private: true}, {Name: Repositories[2], Private: true},
		}}},
		PATs: []simulator.PATSpec{{Token: OrgPAT, Orgs: []string{Org}}, {Token: EnterprisePAT, Enterprises: []string{Enterprise}}},
		Apps: []simulator.AppSpec{{ID: AppID, PublicKeyPEM: string(appKey), Installations: []simulator.InstallationSpec{{
			ID: InstallationID, Org: Org,
			Permissions: map[string]string{"organization_self_hosted_runners": "write", "administration": "write", "metadata": "read"},
		}}}},
	}})
	if err != nil {
		cancel()
		t.Fatalf("start simulator: %v", err)
	}
	t.Cleanup(func() { cancel(); _ = sim.Close() })

	e := &Env{Env: env, Namespace: ns, Sim: sim, AppKeyPEM: appKey, setups: setups}
	if e.GitHub, err = ghclient.New(ghclient.Config{BaseURL: sim.URL, CABundle: sim.CACertPEM, Organization: Org, PersonalAccessToken: OrgPAT}); err != nil {
		t.Fatalf("GitHub client: %v", err)
	}
	if e.EnterpriseGitHub, err = ghclient.New(ghclient.Config{BaseURL: sim.URL, CABundle: sim.CACertPEM, Enterprise: Enterprise, PersonalAccessToken: EnterprisePAT}); err != nil {
		t.Fatalf("enterprise GitHub client: %v", err)
	}
	if e.Actions, err = actions.New(actions.Config{ConfigURL: e.OrgURL(), Token: OrgPAT, CABundle: sim.CACertPEM, Retry: &actions.Retry{Max: 0}}); err != nil {
		t.Fatalf("Actions client: %v", err)
	}

	e.Create(t, &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: PATSecret},
		StringData: map[string]string{arcv1alpha1.DefaultTokenKey: OrgPAT},
	})
	e.Create(t, e.PATProviderConfig(DefaultConfig, PATSecret, e.OrgURL()))
	return e
}

// OrgURL is the organization's githubConfigURL (a GHES layout: the
// simulator's host).
func (e *Env) OrgURL() string { return e.Sim.URL + "/" + Org }

// EnterpriseURL is the enterprise's githubConfigURL.
func (e *Env) EnterpriseURL() string { return e.Sim.URL + "/enterprises/" + Enterprise }

// PATProviderConfig is a ProviderConfig of the test namespace that reads a
// PAT from secret and trusts the simulator's CA.
func (e *Env) PATProviderConfig(name, secret, url string) *arcv1alpha1.ProviderConfig {
	return &arcv1alpha1.ProviderConfig{
		ObjectMeta: metav1.ObjectMeta{Namespace: e.Namespace, Name: name},
		Spec: arcv1alpha1.ProviderConfigSpec{
			GitHubConfigURL: arcv1alpha1.GitHubConfigURL(url),
			Credentials: arcv1alpha1.Credentials{
				Source: arcv1alpha1.CredentialsSourceSecret, Type: arcv1alpha1.CredentialsTypePAT,
				SecretRef: xpv2.LocalSecretReference{Name: secret},
			},
			CABundle: &arcv1alpha1.CABundle{PEM: arcv1alpha1.PEMBundle(e.Sim.CACertPEM)},
		},
	}
}

// AppProviderConfig is a ProviderConfig of the test namespace that reads a
// GitHub App installation from secret (ARC's key names).
func (e *Env) AppProviderConfig(name, secret string) *arcv1alpha1.ProviderConfig {
	pc := e.PATProviderConfig(name, secret, e.OrgURL())
	pc.Spec.Credentials.Type = arcv1alpha1.CredentialsTypeApp
	return pc
}

// AppSecret is a Secret with the App's ids and the given private key.
func (e *Env) AppSecret(name string, keyPEM []byte) *corev1.Secret {
	return &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Namespace: e.Namespace, Name: name},
		StringData: map[string]string{
			arcv1alpha1.DefaultAppIDKey:          strconv.FormatInt(AppID, 10),
			arcv1alpha1.DefaultInstallationIDKey: strconv.FormatInt(InstallationID, 10),
			arcv1alpha1.DefaultPrivateKeyKey:     string(keyPEM),
		},
	}
}

// ClusterProviderConfig is a ClusterProviderConfig, named after the test's
// namespace (it is cluster-scoped), whose Secret is in the test namespace.
func (e *Env) ClusterProviderConfig(t *testing.T, secret, url string) *arcv1alpha1.ClusterProviderConfig {
	t.Helper()
	cpc := &arcv1alpha1.ClusterProviderConfig{
		ObjectMeta: metav1.ObjectMeta{Name: e.Namespace},
		Spec: arcv1alpha1.ClusterProviderConfigSpec{
			GitHubConfigURL: arcv1alpha1.GitHubConfigURL(url),
			Credentials: arcv1alpha1.ClusterCredentials{
				Source: arcv1alpha1.CredentialsSourceSecret, Type: arcv1alpha1.CredentialsTypePAT,
				SecretRef: xpv2.SecretReference{Namespace: e.Namespace, Name: secret},
			},
			CABundle: &arcv1alpha1.ClusterCABundle{PEM: arcv1alpha1.PEMBundle(e.Sim.CACertPEM)},
		},
	}
	e.Create(t, cpc)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_ = e.Client.Delete(ctx, cpc)
	})
	return cpc
}

// Create creates obj or fails the test.
func (e *Env) Create(t *testing.T, obj client.Object) {
	t.Helper()
	if err := e.Client.Create(t.Context(), obj); err != nil {
		t.Fatalf("create %T %s: %v", obj, obj.GetName(), err)
	}
}

// StartProvider runs the controllers in a manager of their own until the
// test ends or the returned function is called, which also waits until the
// manager has stopped: a provider restart is a stop and a second start.
func (e *Env) StartProvider(t *testing.T) (stop func()) {
	t.Helper()
	skip := true
	mgr, err := ctrl.NewManager(e.Config, arcruntime.ManagerOptions(ctrl.Options{
		Scheme: e.Scheme,
		// Objects of other tests' namespaces are none of this provider's
		// business; cluster-scoped kinds are cached whole regardless.
		Cache:                  cache.Options{DefaultNamespaces: map[string]cache.Config{e.Namespace: {}}},
		Metrics:                metricsserver.Options{BindAddress: "0"},
		HealthProbeBindAddress: "0",
		// Every test starts the same controllers in a new manager.
		Controller: ctrlconfig.Controller{SkipNameValidation: &skip},
	}))
	if err != nil {
		t.Fatalf("create manager: %v", err)
	}
	o := controller.Options{
		Options: xpcontroller.Options{
			Logger:                  logger(),
			GlobalRateLimiter:       ratelimiter.NewGlobal(100),
			PollInterval:            PollInterval,
			MaxConcurrentReconciles: 2,
			Features:                &feature.Flags{},
		},
		ListenerImage: controller.DefaultListenerImage,
	}
	for _, setup := range e.setups {
		if err := setup(mgr, o); err != nil {
			t.Fatalf("set up controllers: %v", err)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- mgr.Start(ctx) }()
	stopped := false
	stop = func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		if err := <-done; err != nil {
			t.Errorf("manager stopped with: %v", err)
		}
	}
	t.Cleanup(stop)
	return stop
}

var setLogger sync.Once

// logger logs the controllers' work when ARC_TEST_LOG is set.
func logger() logging.Logger {
	l := logr.Discard()
	if os.Getenv("ARC_TEST_LOG") != "" {
		l = zap.New(zap.UseDevMode(true), zap.WriteTo(os.Stderr))
	}
	setLogger.Do(func() { ctrl.SetLogger(l) })
	return logging.NewLogrLogger(l)
}

// Get reads obj's current state from the API server.
func (e *Env) Get(ctx context.Context, obj client.Object) error {
	return e.Client.Get(ctx, client.ObjectKeyFromObject(obj), obj)
}

// WaitCondition waits until obj has the condition of type ct with status and
// a message that contains every one of msgParts.
func (e *Env) WaitCondition(t *testing.T, obj resource.Conditioned, ct xpv2.ConditionType, status corev1.ConditionStatus, msgParts ...string) {
	t.Helper()
	e.WaitConditionWithin(t, Timeout, obj, ct, status, msgParts...)
}

// WaitConditionWithin is WaitCondition with a timeout of its own.
func (e *Env) WaitConditionWithin(t *testing.T, timeout time.Duration, obj resource.Conditioned, ct xpv2.ConditionType, status corev1.ConditionStatus, msgParts ...string) {
	t.Helper()
	o, ok := obj.(client.Object)
	if !ok {
		t.Fatalf("%T is not an object", obj)
	}
	var last xpv2.Condition
	testenv.Eventually(t, timeout, "condition "+string(ct)+"="+string(status)+" of "+o.GetName(), func(ctx context.Context) (bool, error) {
		if err := e.Get(ctx, o); err != nil {
			return false, err
		}
		last = obj.GetCondition(ct)
		if last.Status != status {
			return false, &conditionError{last}
		}
		for _, p := range msgParts {
			if !strings.Contains(last.Message, p) {
				return false, &conditionError{last}
			}
		}
		return true, nil
	})
}

type conditionError struct{ c xpv2.Condition }

func (e *conditionError) Error() string {
	return "last " + string(e.c.Type) + "=" + string(e.c.Status) + " (" + string(e.c.Reason) + "): " + e.c.Message
}

// WaitReady waits until a managed resource is Ready and Synced.
func (e *Env) WaitReady(t *testing.T, mg resource.Conditioned) {
	t.Helper()
	e.WaitCondition(t, mg, xpv2.TypeSynced, corev1.ConditionTrue)
	e.WaitCondition(t, mg, xpv2.TypeReady, corev1.ConditionTrue)
}

// WaitGone waits until obj no longer exists.
func (e *Env) WaitGone(t *testing.T, obj client.Object) {
	t.Helper()
	testenv.Eventually(t, Timeout, obj.GetName()+" gone", func(ctx context.Context) (bool, error) {
		err := e.Get(ctx, obj)
		if err == nil {
			return false, nil
		}
		return client.IgnoreNotFound(err) == nil, client.IgnoreNotFound(err)
	})
}

// RewindToCreatePending leaves mg as a provider that stopped between creating
// its external resource and recording the resource's id leaves it: without an
// external name, with a create pending. Stop the provider first.
func (e *Env) RewindToCreatePending(t *testing.T, mg resource.Managed) {
	t.Helper()
	if err := e.Get(t.Context(), mg); err != nil {
		t.Fatal(err)
	}
	annotations := mg.GetAnnotations()
	delete(annotations, meta.AnnotationKeyExternalName)
	delete(annotations, meta.AnnotationKeyExternalCreateSucceeded)
	mg.SetAnnotations(annotations)
	meta.SetExternalCreatePending(mg, time.Now())
	if err := e.Client.Update(t.Context(), mg); err != nil {
		t.Fatal(err)
	}
}

// WaitAdoptedByName waits until mg, rewound by RewindToCreatePending, has
// found its external resource by name again (its external name is
// externalName) and is Ready, and fails the test if it still looks
// half-created.
func (e *Env) WaitAdoptedByName(t *testing.T, mg resource.Managed, externalName string) {
	t.Helper()
	testenv.Eventually(t, Timeout, mg.GetName()+" adopted by name after restart", func(ctx context.Context) (bool, error) {
		if err := e.Get(ctx, mg); err != nil {
			return false, err
		}
		return meta.GetExternalName(mg) == externalName, nil
	})
	e.WaitReady(t, mg)
	if meta.ExternalCreateIncomplete(mg) {
		t.Errorf("after adoption by name %s still looks half-created: %v", mg.GetName(), mg.GetAnnotations())
	}
}

// CallsDuring counts the simulator's calls of the endpoints (all when none
// are given) during window, which the test lets pass by waiting on a
// deadline that nothing else can meet: the controllers keep running.
func (e *Env) CallsDuring(t *testing.T, window time.Duration, endpoints ...string) int64 {
	t.Helper()
	count := func() int64 {
		c := e.Sim.Counters()
		if len(endpoints) == 0 {
			return c.TotalCalls()
		}
		var n int64
		for _, ep := range endpoints {
			n += c.Calls(ep)
		}
		return n
	}
	before := count()
	timer := time.NewTimer(window)
	defer timer.Stop()
	select {
	case <-timer.C:
	case <-t.Context().Done():
	}
	return count() - before
}

// NewRSAKeyPEM is a fresh PKCS#1 PEM RSA key, as GitHub hands out for Apps.
func NewRSAKeyPEM(t *testing.T) []byte {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})
}
