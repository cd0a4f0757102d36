package integration

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-logr/logr"
	"github.com/go-logr/logr/testr"
	authenticationv1 "k8s.io/api/authentication/v1"
	authorizationv1 "k8s.io/api/authorization/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/arc-crossplane/provider-github-arc/apis/runners/v1alpha1"
	"github.com/arc-crossplane/provider-github-arc/cluster/testenv"
	"github.com/arc-crossplane/provider-github-arc/internal/clients/actions"
	"github.com/arc-crossplane/provider-github-arc/internal/listener"
	"github.com/arc-crossplane/provider-github-arc/internal/simulator"
	"github.com/arc-crossplane/provider-github-arc/internal/simulator/simclient"
)

func TestMain(m *testing.M) {
	testenv.AddToSchemes = append(testenv.AddToSchemes, v1alpha1.AddToScheme)
	testenv.Main(m)
}

const (
	org  = "octo"
	repo = "octo/app"
	pat  = "ghp_listenerintegration"
	// longPoll is the simulator's long-poll time: short, so that idle polls
	// (where an idle set gets its full-reconcile patch) come often.
	longPoll = time.Second
	setName  = "runners"
)

// world is one test's simulator, scale set, namespace and EphemeralRunnerSet.
type world struct {
	t        *testing.T
	srv      *simulator.Server
	sim      *simclient.Client
	actions  *actions.ScalesetClient
	kube     *testenv.Env
	watcher  client.WithWatch
	ns       string
	scaleSet *actions.ScaleSet
	min, max int
	// listenerREST is the listener's identity: a token of its
	// ServiceAccount, which only the contract-3 Role binds.
	listenerREST *rest.Config
}

func newWorld(t *testing.T, minRunners, maxRunners int, faults ...func(*simulator.Faults)) *world {
	t.Helper()
	kube := testenv.Get(t)
	ctx := t.Context()
	f := simulator.Faults{LongPollTimeout: simulator.Duration(longPoll)}
	for _, change := range faults {
		change(&f)
	}
	// Not the test's context: that ends before the cleanups that stop the
	// listeners, which still talk to the simulator.
	srv, err := simulator.Start(context.WithoutCancel(ctx), simulator.Options{
		Faults: f,
		Setup: simulator.Setup{
			// Private: the Default group does not admit public repositories.
			Orgs: []simulator.OrgSpec{{Login: org, Repositories: []simulator.RepoSpec{{Name: "app", Private: true}}}},
			PATs: []simulator.PATSpec{{Token: pat, Orgs: []string{org}}},
		},
	})
	if err != nil {
		t.Fatalf("start simulator: %v", err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	sim, err := simclient.New(srv.URL, srv.CACertPEM)
	if err != nil {
		t.Fatalf("simclient: %v", err)
	}
	ac, err := actions.New(actions.Config{ConfigURL: srv.URL + "/" + org, Token: pat, CABundle: srv.CACertPEM})
	if err != nil {
		t.Fatalf("actions client: %v", err)
	}
	watcher, err := client.NewWithWatch(kube.Config, client.Options{Scheme: kube.Scheme})
	if err != nil {
		t.Fatalf("watching client: %v", err)
	}
	w := &world{t: t, srv: srv, sim: sim, actions: ac, kube: kube, watcher: watcher, ns: kube.Namespace(t), min: minRunners, max: maxRunners}
	w.scaleSet, err = ac.CreateScaleSet(ctx, actions.ScaleSetSpec{Name: "linux-" + randomSuffix(), RunnerGroupID: 1})
	if err != nil {
		t.Fatalf("create scale set: %v", err)
	}
	w.createRunnerSet()
	w.listenerREST = w.listenerIdentity()
	return w
}

func randomSuffix() string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func (w *world) scaleSetRef() v1alpha1.ScaleSetReference {
	return v1alpha1.ScaleSetReference{
		ID: int64(w.scaleSet.ID), Name: w.scaleSet.Name,
		ProviderConfigRef: v1alpha1.ProviderConfigReference{Kind: "ClusterProviderConfig", Name: "unused"},
	}
}

func podTemplate() v1alpha1.RunnerPodTemplate {
	return v1alpha1.RunnerPodTemplate{Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "runner", Image: "example.invalid/runner:1"}}}}
}

func (w *world) createRunnerSet() {
	ers := &v1alpha1.EphemeralRunnerSet{
		ObjectMeta: metav1.ObjectMeta{Name: setName, Namespace: w.ns},
		Spec:       v1alpha1.EphemeralRunnerSetSpec{ScaleSet: w.scaleSetRef(), Template: podTemplate()},
	}
	if err := w.kube.Client.Create(w.t.Context(), ers); err != nil {
		w.t.Fatalf("create EphemeralRunnerSet: %v", err)
	}
}

// listenerIdentity creates the listener's ServiceAccount with the Role of
// contract 3, and returns a REST config carrying a token of it.
func (w *world) listenerIdentity() *rest.Config {
	t, ctx, c := w.t, w.t.Context(), w.kube.Client
	sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "listener", Namespace: w.ns}}
	role := &rbacv1.Role{
		ObjectMeta: metav1.ObjectMeta{Name: "listener", Namespace: w.ns},
		Rules: []rbacv1.PolicyRule{
			{APIGroups: []string{v1alpha1.Group}, Resources: []string{"ephemeralrunnersets"}, Verbs: []string{"patch"}, ResourceNames: []string{setName}},
			{APIGroups: []string{v1alpha1.Group}, Resources: []string{"ephemeralrunners/status"}, Verbs: []string{"patch"}},
		},
	}
	binding := &rbacv1.RoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: "listener", Namespace: w.ns},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: role.Name},
		Subjects:   []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Name: sa.Name, Namespace: w.ns}},
	}
	for _, o := range []client.Object{sa, role, binding} {
		if err := c.Create(ctx, o); err != nil {
			t.Fatalf("create %T: %v", o, err)
		}
	}
	tr := &authenticationv1.TokenRequest{Spec: authenticationv1.TokenRequestSpec{ExpirationSeconds: ptr.To[int64](3600)}}
	if err := c.SubResource("token").Create(ctx, sa, tr); err != nil {
		t.Fatalf("request token: %v", err)
	}
	cfg := rest.AnonymousClientConfig(w.kube.Config)
	cfg.BearerToken = tr.Status.Token
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatalf("clientset for the listener: %v", err)
	}
	// The RoleBinding takes effect when the authorizer's informer sees it.
	testenv.Eventually(t, 30*time.Second, "listener may patch its EphemeralRunnerSet", func(ctx context.Context) (bool, error) {
		r, err := cs.AuthorizationV1().SelfSubjectAccessReviews().Create(ctx, &authorizationv1.SelfSubjectAccessReview{
			Spec: authorizationv1.SelfSubjectAccessReviewSpec{ResourceAttributes: &authorizationv1.ResourceAttributes{
				Namespace: w.ns, Verb: "patch", Group: v1alpha1.Group, Resource: "ephemeralrunnersets", Name: setName,
			}},
		}, metav1.CreateOptions{})
		if err != nil {
			return false, err
		}
		return r.Status.Allowed, nil
	})
	return cfg
}

// kubeconfig writes the listener's identity as a kubeconfig file, for a
// listener process.
func (w *world) kubeconfig() string {
	cfg := w.listenerREST
	kc := clientcmdapi.NewConfig()
	kc.Clusters["local"] = &clientcmdapi.Cluster{Server: cfg.Host, CertificateAuthority: cfg.CAFile, CertificateAuthorityData: cfg.CAData}
	kc.AuthInfos["listener"] = &clientcmdapi.AuthInfo{Token: cfg.BearerToken}
	kc.Contexts["listener"] = &clientcmdapi.Context{Cluster: "local", AuthInfo: "listener", Namespace: w.ns}
	kc.CurrentContext = "listener"
	path := filepath.Join(w.t.TempDir(), "kubeconfig")
	if err := clientcmd.WriteToFile(*kc, path); err != nil {
		w.t.Fatalf("write kubeconfig: %v", err)
	}
	return path
}

// config is the listener's config.json for this world.
func (w *world) config() *listener.ListenerConfig {
	c := &listener.ListenerConfig{
		GitHubConfigURL: w.srv.URL + "/" + org, ScaleSetID: int64(w.scaleSet.ID), ScaleSetName: w.scaleSet.Name,
		EphemeralRunnerSetNamespace: w.ns, EphemeralRunnerSetName: setName,
		MinRunners: w.min, MaxRunners: w.max, Token: pat, CABundle: string(w.srv.CACertPEM),
		MetricsAddr: "127.0.0.1:0", HealthAddr: "127.0.0.1:0", LogLevel: listener.LogLevelInfo,
	}
	c.Default()
	if err := c.Validate(); err != nil {
		w.t.Fatalf("listener config: %v", err)
	}
	return c
}

// inProcess is a listener run by the test, as cmd/listener runs it.
type inProcess struct {
	l       *listener.Listener
	servers *listener.Servers
	stop    func()
}

// startListener runs a listener owned by owner until the test ends or stop
// is called; stop is SIGTERM: the listener deletes its session.
func (w *world) startListener(owner string) *inProcess {
	w.t.Helper()
	cfg := w.config()
	kube, err := listener.NewDynamicKube(w.listenerREST, cfg.EphemeralRunnerSetNamespace, cfg.EphemeralRunnerSetName)
	if err != nil {
		w.t.Fatalf("NewDynamicKube: %v", err)
	}
	log := testr.NewWithOptions(w.t, testr.Options{LogTimestamp: true}).WithName(owner)
	l, metrics, err := listener.NewFromConfig(cfg, owner, kube, log, func(o *listener.Options) {
		o.RetryMin, o.RetryMax = 50*time.Millisecond, 500*time.Millisecond
	})
	if err != nil {
		w.t.Fatalf("NewFromConfig: %v", err)
	}
	servers, err := listener.NewServers(cfg.MetricsAddr, cfg.HealthAddr, metrics, l.Ready, logr.Discard())
	if err != nil {
		w.t.Fatalf("NewServers: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- listener.Serve(ctx, l, servers) }()
	var once sync.Once
	p := &inProcess{l: l, servers: servers}
	p.stop = func() {
		once.Do(func() {
			cancel()
			select {
			case err := <-done:
				if err != nil {
					w.t.Errorf("listener %s: %v", owner, err)
				}
			case <-time.After(30 * time.Second):
				w.t.Errorf("listener %s did not stop within 30s", owner)
			}
		})
	}
	w.t.Cleanup(p.stop)
	return p
}

// waitReady waits until the listener holds a session, as its readiness probe
// tells.
func (p *inProcess) waitReady(t *testing.T, timeout time.Duration) {
	t.Helper()
	testenv.Eventually(t, timeout, "listener ready", func(ctx context.Context) (bool, error) {
		return probe(ctx, "http://"+p.servers.HealthAddr+"/readyz") == http.StatusOK, nil
	})
}

func probe(ctx context.Context, url string) int {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode
}

// submit queues n jobs for the scale set that each run for duration.
func (w *world) submit(n int, duration time.Duration) []int64 {
	w.t.Helper()
	ids := make([]int64, 0, n)
	for i := range n {
		j, err := w.sim.SubmitJob(w.t.Context(), simclient.JobSpec{
			Repository: repo, Labels: []string{w.scaleSet.Name}, Duration: duration.String(),
			DisplayName: fmt.Sprintf("job-%d", i), WorkflowRef: repo + "/.github/workflows/ci.yml@refs/heads/main", EventName: "push",
		})
		if err != nil {
			w.t.Fatalf("submit job %d: %v", i, err)
		}
		ids = append(ids, j.ID)
	}
	return ids
}

func (w *world) runnerSet(ctx context.Context) (*v1alpha1.EphemeralRunnerSet, error) {
	ers := &v1alpha1.EphemeralRunnerSet{}
	err := w.kube.Client.Get(ctx, client.ObjectKey{Namespace: w.ns, Name: setName}, ers)
	return ers, err
}

// scaleSetState is the simulator's view of the scale set.
func (w *world) scaleSetState(ctx context.Context) (*simclient.ScaleSetState, error) {
	st, err := w.sim.ActionsState(ctx)
	if err != nil {
		return nil, err
	}
	for i := range st.ScaleSets {
		if st.ScaleSets[i].ID == w.scaleSet.ID {
			return &st.ScaleSets[i], nil
		}
	}
	return nil, fmt.Errorf("scale set %d not in the simulator's state", w.scaleSet.ID)
}

// sessionOwner is the owner of the scale set's active session, or "".
func (w *world) sessionOwner(ctx context.Context) (string, error) {
	st, err := w.scaleSetState(ctx)
	if err != nil || st.Session == nil {
		return "", err
	}
	return st.Session.Owner, nil
}

// endSession ends the scale set's active session at the service, as the
// service does with a session whose listener went away. The full simulator
// has no knob for its idle expiry, so the test calls the service's own
// session DELETE with an admin token the simulator mints.
func (w *world) endSession(ctx context.Context) {
	w.t.Helper()
	st, err := w.scaleSetState(ctx)
	if err != nil {
		w.t.Fatalf("simulator state: %v", err)
	}
	if st.Session == nil {
		w.t.Fatalf("scale set %d has no session to end", w.scaleSet.ID)
	}
	w.deleteSession(ctx, st.Session.ID)
}

// endStaleSession ends session id if it is still the scale set's active one;
// a simulator that expires idle sessions may have ended it already.
func (w *world) endStaleSession(ctx context.Context, id string) {
	w.t.Helper()
	st, err := w.scaleSetState(ctx)
	if err != nil {
		w.t.Fatalf("simulator state: %v", err)
	}
	if st.Session != nil && st.Session.ID == id {
		w.deleteSession(ctx, id)
	}
}

// sessionID is the id of the scale set's active session, or "".
func (w *world) sessionID(ctx context.Context) string {
	w.t.Helper()
	st, err := w.scaleSetState(ctx)
	if err != nil {
		w.t.Fatalf("simulator state: %v", err)
	}
	if st.Session == nil {
		return ""
	}
	return st.Session.ID
}

func (w *world) deleteSession(ctx context.Context, id string) {
	w.t.Helper()
	tenant, ok := w.srv.Tenant(simulator.KindOrganization, org)
	if !ok {
		w.t.Fatalf("no tenant for org %s", org)
	}
	token, _ := w.srv.Actions().IssueAdminToken(tenant.ID)
	url := fmt.Sprintf("%s_apis/runtime/runnerscalesets/%d/sessions/%s?api-version=6.0-preview", tenant.ActionsURL, w.scaleSet.ID, id)
	req, err := http.NewRequestWithContext(ctx, http.MethodDelete, url, nil)
	if err != nil {
		w.t.Fatalf("delete session request: %v", err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := w.sim.HTTPClient().Do(req)
	if err != nil {
		w.t.Fatalf("delete session: %v", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		b, _ := io.ReadAll(resp.Body)
		w.t.Fatalf("delete session: %s %s", resp.Status, strings.TrimSpace(string(b)))
	}
}

// buildListener builds cmd/listener into the test's temporary folder.
func buildListener(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "listener")
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/listener")
	cmd.Dir = testenv.RepoRoot()
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/listener: %v: %s", err, out)
	}
	return bin
}
