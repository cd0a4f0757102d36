// Package runtimetest runs the runner runtime for integration tests: the
// local cluster, an in-process simulator with one scale set, a ProviderConfig
// for it, the three runtime controllers in a manager, the pod stand-in, and a
// minimal stand-in for the listener that acquires the jobs the scale set is
// offered.
package runtimetest

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/actions/scaleset"
	xpcontroller "github.com/crossplane/crossplane-runtime/v2/pkg/controller"
	"github.com/crossplane/crossplane-runtime/v2/pkg/logging"
	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"
	"github.com/go-logr/logr"
	"github.com/go-logr/logr/funcr"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/config"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	arcv1alpha1 "github.com/arc-crossplane/provider-github-arc/apis/arc/v1alpha1"
	"github.com/arc-crossplane/provider-github-arc/apis/runners/v1alpha1"
	"github.com/arc-crossplane/provider-github-arc/cluster/standin"
	"github.com/arc-crossplane/provider-github-arc/cluster/testenv"
	"github.com/arc-crossplane/provider-github-arc/internal/clients/actions"
	"github.com/arc-crossplane/provider-github-arc/internal/controller"
	"github.com/arc-crossplane/provider-github-arc/internal/controller/autoscalinglistener"
	"github.com/arc-crossplane/provider-github-arc/internal/controller/ephemeralrunner"
	"github.com/arc-crossplane/provider-github-arc/internal/controller/ephemeralrunnerset"
	arcruntime "github.com/arc-crossplane/provider-github-arc/internal/controller/runtime"
	"github.com/arc-crossplane/provider-github-arc/internal/listener"
	"github.com/arc-crossplane/provider-github-arc/internal/simulator"
	"github.com/arc-crossplane/provider-github-arc/internal/simulator/simclient"
)

// Fixed credentials of the simulated organization.
const (
	Org         = "acme"
	Repository  = "acme/app"
	PAT         = "ghp_runtimeTestPersonalAccessToken0001"
	ScaleSet    = "linux"
	ProviderCfg = "github"
	credsSecret = "github-credentials"
)

// AddToSchemes registers the kinds the harness uses with testenv; call it
// from TestMain before testenv.Main.
func AddToSchemes() {
	testenv.AddToSchemes = append(testenv.AddToSchemes, v1alpha1.AddToScheme, arcv1alpha1.AddToScheme)
}

// Options tune a Harness.
type Options struct {
	// RunnerOutcome scripts runner pods (see standin.Options).
	RunnerOutcome func(pod *corev1.Pod) standin.Outcome
	// BackoffBase shortens the pod failure backoff.
	BackoffBase time.Duration
	// ListenerImage is the image of listener pods.
	ListenerImage string
	// ListenerBinary runs listener pods through the stand-in.
	ListenerBinary string
	// ListenerEnv is added to the environment of listener processes.
	ListenerEnv []string
	// NoAcquirer leaves jobs unacquired: for tests that run a real listener.
	NoAcquirer bool
	// App makes the ProviderConfig a GitHub App installation's instead of
	// a PAT's, so installation tokens are issued.
	App bool
}

// GitHub App of the simulated organization, for Options.App.
const (
	AppID          = 4242
	InstallationID = 77
)

// Harness is a running runtime in a namespace of its own.
type Harness struct {
	Env        *testenv.Env
	Kube       client.Client
	Namespace  string
	Sim        *simulator.Server
	SimClient  *simclient.Client
	ScaleSetID int
	ConfigURL  string
	// AppPrivateKey is the App's PEM private key when Options.App is set.
	AppPrivateKey []byte
}

// Start brings the runtime up for t; everything stops when t ends.
func Start(t *testing.T, o Options) *Harness {
	t.Helper()
	env := testenv.Get(t)
	ns := env.Namespace(t)
	ctx, cancel := context.WithCancel(context.Background())

	setup := simulator.Setup{
		Orgs: []simulator.OrgSpec{{Login: Org, Repositories: []simulator.RepoSpec{{Name: "app", Private: true}}}},
		PATs: []simulator.PATSpec{{Token: PAT, Orgs: []string{Org}}},
	}
	var appKey []byte
	if o.App {
		appKey = newPrivateKey(t)
		setup.Apps = []simulator.AppSpec{{ID: AppID, PublicKeyPEM: string(appKey), Installations: []simulator.InstallationSpec{{
			ID: InstallationID, Org: Org, Permissions: map[string]string{"organization_self_hosted_runners": "write"},
		}}}}
	}
	sim, err := simulator.Start(ctx, simulator.Options{Setup: setup})
	if err != nil {
		cancel()
		t.Fatalf("start simulator: %v", err)
	}
	h := &Harness{Env: env, Kube: env.Client, Namespace: ns, Sim: sim, ConfigURL: sim.URL + "/" + Org, AppPrivateKey: appKey}
	if h.SimClient, err = simclient.New(sim.URL, sim.CACertPEM); err != nil {
		cancel()
		t.Fatalf("simulator client: %v", err)
	}
	ac, err := actions.New(actions.Config{ConfigURL: h.ConfigURL, Token: PAT, CABundle: sim.CACertPEM})
	if err != nil {
		cancel()
		t.Fatalf("actions client: %v", err)
	}
	ss, err := ac.CreateScaleSet(ctx, actions.ScaleSetSpec{Name: ScaleSet, RunnerGroupID: 1})
	if err != nil {
		cancel()
		t.Fatalf("create scale set: %v", err)
	}
	h.ScaleSetID = ss.ID
	h.createProviderConfig(t)

	mgr, err := ctrl.NewManager(env.Config, arcruntime.ManagerOptions(ctrl.Options{
		Scheme:     env.Scheme,
		Metrics:    metricsserver.Options{BindAddress: "0"},
		Cache:      cache.Options{DefaultNamespaces: map[string]cache.Config{ns: {}}},
		Controller: config.Controller{SkipNameValidation: ptrTrue()},
	}))
	if err != nil {
		cancel()
		t.Fatalf("manager: %v", err)
	}
	log := funcr.New(func(prefix, args string) { t.Log(prefix, args) }, funcr.Options{Verbosity: 1})
	if !testing.Verbose() {
		log = logr.Discard()
	}
	ctrl.SetLogger(log)
	opts := controller.Options{Options: xpcontroller.Options{MaxConcurrentReconciles: 20, Logger: logging.NewLogrLogger(log)}, ListenerImage: o.ListenerImage}
	for name, setup := range map[string]func() error{
		"ephemeralrunnerset": func() error { return ephemeralrunnerset.Setup(mgr, opts) },
		"ephemeralrunner": func() error {
			return ephemeralrunner.SetupWithConfig(mgr, opts, ephemeralrunner.Config{BackoffBase: o.BackoffBase, JobStillRunningRetry: 200 * time.Millisecond})
		},
		"autoscalinglistener": func() error { return autoscalinglistener.Setup(mgr, opts) },
	} {
		if err := setup(); err != nil {
			cancel()
			t.Fatalf("setup %s: %v", name, err)
		}
	}
	mgrDone := make(chan error, 1)
	go func() { mgrDone <- mgr.Start(ctx) }()

	si, err := standin.Start(ctx, standin.Options{
		Config: env.Config, Namespace: ns, Simulator: h.SimClient, RunnerOutcome: o.RunnerOutcome,
		RunnerJobWait: 2 * time.Minute, ListenerBinary: o.ListenerBinary, ListenerEnv: o.ListenerEnv, Log: log.WithName("standin"),
	})
	if err != nil {
		cancel()
		t.Fatalf("stand-in: %v", err)
	}
	acqDone := make(chan struct{})
	if o.NoAcquirer {
		close(acqDone)
	} else {
		go func() { defer close(acqDone); h.acquire(ctx, t, ac) }()
	}
	t.Cleanup(func() {
		cancel()
		si.Wait()
		<-acqDone
		if err := <-mgrDone; err != nil && !errors.Is(err, context.Canceled) {
			t.Errorf("manager: %v", err)
		}
		_ = sim.Close()
	})
	return h
}

func ptrTrue() *bool { b := true; return &b }

func newPrivateKey(t *testing.T) []byte {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatalf("generate App key: %v", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(k)})
}

func (h *Harness) createProviderConfig(t *testing.T) {
	t.Helper()
	sec := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: credsSecret, Namespace: h.Namespace},
		Data:       map[string][]byte{arcv1alpha1.DefaultTokenKey: []byte(PAT)},
	}
	creds := arcv1alpha1.Credentials{
		Source:    arcv1alpha1.CredentialsSourceSecret,
		Type:      arcv1alpha1.CredentialsTypePAT,
		SecretRef: xpv2.LocalSecretReference{Name: credsSecret},
	}
	if h.AppPrivateKey != nil {
		sec.Data = map[string][]byte{
			arcv1alpha1.DefaultAppIDKey:          []byte(strconv.Itoa(AppID)),
			arcv1alpha1.DefaultInstallationIDKey: []byte(strconv.Itoa(InstallationID)),
			arcv1alpha1.DefaultPrivateKeyKey:     h.AppPrivateKey,
		}
		creds.Type = arcv1alpha1.CredentialsTypeApp
	}
	pc := &arcv1alpha1.ProviderConfig{
		ObjectMeta: metav1.ObjectMeta{Name: ProviderCfg, Namespace: h.Namespace},
		Spec: arcv1alpha1.ProviderConfigSpec{
			GitHubConfigURL: arcv1alpha1.GitHubConfigURL(h.ConfigURL),
			Credentials:     creds,
			CABundle:        &arcv1alpha1.CABundle{PEM: arcv1alpha1.PEMBundle(h.Sim.CACertPEM)},
		},
	}
	for _, o := range []client.Object{sec, pc} {
		if err := h.Kube.Create(t.Context(), o); err != nil {
			t.Fatalf("create %T: %v", o, err)
		}
	}
}

// ScaleSetRef is the reference to the harness's scale set.
func (h *Harness) ScaleSetRef() v1alpha1.ScaleSetReference {
	return v1alpha1.ScaleSetReference{
		ID: int64(h.ScaleSetID), Name: ScaleSet,
		ProviderConfigRef: v1alpha1.ProviderConfigReference{Kind: v1alpha1.ProviderConfigKindNamespaced, Name: ProviderCfg},
	}
}

// CreateSet creates an EphemeralRunnerSet with zero replicas.
func (h *Harness) CreateSet(t *testing.T, name string, maxPodFailures int32) *v1alpha1.EphemeralRunnerSet {
	t.Helper()
	set := &v1alpha1.EphemeralRunnerSet{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: h.Namespace},
		Spec: v1alpha1.EphemeralRunnerSetSpec{
			ScaleSet:        h.ScaleSetRef(),
			MaxPodFailures:  maxPodFailures,
			GitHubConfigURL: h.ConfigURL,
			Template: v1alpha1.RunnerPodTemplate{
				Metadata: v1alpha1.PodTemplateMetadata{Labels: map[string]string{"team": "platform"}},
				Spec: corev1.PodSpec{Containers: []corev1.Container{{
					Name: arcruntime.RunnerContainerName, Image: "ghcr.io/actions/actions-runner:latest", Command: []string{"/home/runner/run.sh"},
				}}},
			},
		},
	}
	if err := h.Kube.Create(t.Context(), set); err != nil {
		t.Fatalf("create EphemeralRunnerSet: %v", err)
	}
	return set
}

// Scale patches replicas and patchID of a set, as the listener does.
func (h *Harness) Scale(t *testing.T, name string, replicas int32, patchID int64) {
	t.Helper()
	h.ScaleRunning(t, name, replicas, 0, patchID)
}

// ScaleRunning patches replicas, runningJobs and patchID with the listener's
// own patch body, as from statistics that count runningJobs jobs running.
func (h *Harness) ScaleRunning(t *testing.T, name string, replicas, runningJobs int32, patchID int64) {
	t.Helper()
	set := &v1alpha1.EphemeralRunnerSet{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: h.Namespace}}
	patch, err := json.Marshal(listener.ReplicasPatch(listener.ScaleTarget{Replicas: int(replicas), PatchID: patchID, RunningJobs: int(runningJobs)}))
	if err != nil {
		t.Fatalf("scale patch: %v", err)
	}
	if err := h.Kube.Patch(t.Context(), set, client.RawPatch("application/merge-patch+json", patch)); err != nil {
		t.Fatalf("scale %s to %d (patch %d, %d jobs running): %v", name, replicas, patchID, runningJobs, err)
	}
}

// SubmitJobs queues n jobs for the scale set, each running for duration.
func (h *Harness) SubmitJobs(t *testing.T, n int, duration string) []int64 {
	t.Helper()
	ids := make([]int64, 0, n)
	for range n {
		j, err := h.SimClient.SubmitJob(t.Context(), simclient.JobSpec{Repository: Repository, Labels: []string{ScaleSet}, Duration: duration})
		if err != nil {
			t.Fatalf("submit job: %v", err)
		}
		ids = append(ids, j.ID)
	}
	return ids
}

// Runners lists the namespace's EphemeralRunners.
func (h *Harness) Runners(ctx context.Context) ([]v1alpha1.EphemeralRunner, error) {
	l := &v1alpha1.EphemeralRunnerList{}
	err := h.Kube.List(ctx, l, client.InNamespace(h.Namespace))
	return l.Items, err
}

// RunnerPods lists the namespace's runner pods.
func (h *Harness) RunnerPods(ctx context.Context) ([]corev1.Pod, error) {
	l := &corev1.PodList{}
	err := h.Kube.List(ctx, l, client.InNamespace(h.Namespace), client.MatchingLabels{arcruntime.LabelComponent: arcruntime.ComponentRunner})
	return l.Items, err
}

// acquire is the part of a listener the runtime tests need: it holds the
// scale set's session, acquires every job offered, and records on the
// runner's EphemeralRunner which job it started, as the listener does.
func (h *Harness) acquire(ctx context.Context, t *testing.T, ac *actions.ScalesetClient) {
	session, err := ac.MessageSessionClient(ctx, h.ScaleSetID, "runtimetest")
	if err != nil {
		if ctx.Err() == nil {
			t.Errorf("open message session: %v", err)
		}
		return
	}
	defer func() {
		c, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = session.Close(c)
	}()
	last := 0
	for ctx.Err() == nil {
		msg, err := session.GetMessage(ctx, last, 10000)
		if err != nil || msg == nil {
			continue
		}
		var ids []int64
		for _, j := range msg.JobAvailableMessages {
			ids = append(ids, j.RunnerRequestID)
		}
		if len(ids) > 0 {
			if _, err := session.AcquireJobs(ctx, ids); err != nil && ctx.Err() == nil {
				t.Logf("acquire jobs: %v", err)
			}
		}
		for _, j := range msg.JobStartedMessages {
			h.markBusy(ctx, j)
		}
		if err := session.DeleteMessage(ctx, msg.MessageID); err != nil && ctx.Err() == nil {
			t.Logf("delete message: %v", err)
		}
		last = msg.MessageID
	}
}

func (h *Harness) markBusy(ctx context.Context, j *scaleset.JobStarted) {
	er := &v1alpha1.EphemeralRunner{ObjectMeta: metav1.ObjectMeta{Name: j.RunnerName, Namespace: h.Namespace}}
	patch := []byte(`{"status":{"jobRequestId":` + arcruntime.FormatInt64(j.RunnerRequestID) + `,"jobId":"` + j.JobID + `","jobDisplayName":"` + j.JobDisplayName + `"}}`)
	_ = h.Kube.Status().Patch(ctx, er, client.RawPatch("application/merge-patch+json", patch))
}
