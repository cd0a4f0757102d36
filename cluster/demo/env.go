// Package demo brings up the whole product on the local cluster for `make run`, the
// benchmarks and the chaos run: the cluster, the GitHub simulator, the provider as a
// process, the pod stand-in (which runs the real listener binary for listener pods
// and plays runners), and teams' runner pools rendered by the composition function.
// It also observes what happens (jobs, runner pods, calls) and tears everything down
// in order.
package demo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/go-logr/logr"
	"github.com/go-logr/logr/funcr"
	corev1 "k8s.io/api/core/v1"
	kerrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/arc-crossplane/provider-github-arc/apis"
	"github.com/arc-crossplane/provider-github-arc/cluster/standin"
	"github.com/arc-crossplane/provider-github-arc/cluster/testenv"
	ghclient "github.com/arc-crossplane/provider-github-arc/internal/clients/github"
	"github.com/arc-crossplane/provider-github-arc/internal/simulator"
	"github.com/arc-crossplane/provider-github-arc/internal/simulator/simclient"
)

// The simulated GitHub of the demo: one organization with three private
// repositories and an administrator's PAT.
const (
	Org        = "demo-org"
	PAT        = "ghp_demoOrganizationAdministrator0001"
	Repository = Org + "/api"
)

// Repositories of the organization.
var Repositories = []string{"api", "web", "docs"}

// LabelDemo marks the namespaces the demo creates: kubectl delete ns -l arc.crossplane.io/demo
// removes what a killed run left.
const LabelDemo = "arc.crossplane.io/demo"

// ProviderMode selects how the provider runs.
type ProviderMode string

const (
	// ProviderBinary runs bin/provider, built from ./cmd/provider.
	ProviderBinary ProviderMode = "binary"
	// ProviderEmbedded runs the provider's controllers in a child process of this
	// executable (RoleProvider), watching only the demo's namespaces.
	ProviderEmbedded ProviderMode = "embedded"
)

const (
	errBuild       = "cannot build"
	errCluster     = "cannot start the local cluster"
	errSimulator   = "cannot start the GitHub simulator"
	errProvider    = "cannot start the provider"
	errStandIn     = "cannot start the pod stand-in"
	errExecutable  = "cannot find this executable"
	errWorkDir     = "cannot create the work folder"
	errNamespace   = "cannot create the namespace"
	errCredentials = "cannot create the team's credentials"
	errRunnerGroup = "cannot create the runner group"
	errEndSession  = "cannot end the scale set's message session"
)

// Options configure Start.
type Options struct {
	// RepoRoot is the repository's top folder; found from the source when empty.
	RepoRoot string
	// WorkDir receives binaries and logs; a temporary folder when empty.
	WorkDir string
	// Progress receives one line per step, for people.
	Progress func(format string, args ...any)
	// Provider selects how the provider runs; ProviderBinary by default.
	Provider ProviderMode
	// ProviderArgs are added to the provider binary's flags.
	ProviderArgs []string
	// Faults are in force at the simulator from the start.
	Faults simulator.Faults
	// Seed seeds the simulator's fault injection.
	Seed uint64
	// ProviderEnv is added to the provider's environment.
	ProviderEnv []string
	// StandInLog receives the stand-in's logs (the listeners' output among them).
	StandInLog logr.Logger
	// RunnerJobWait bounds how long a played runner waits for its job.
	RunnerJobWait time.Duration
}

// Env is everything the demo started.
type Env struct {
	opts Options
	// Kube is an admin client of the cluster.
	Kube    client.Client
	Clients kubernetes.Interface
	Cluster *testenv.Env
	// StartedCluster tells that the cluster did not exist before: teardown removes it.
	StartedCluster bool
	Sim            *simulator.Server
	SimClient      *simclient.Client
	Provider       *Process
	providerLog    string
	// ListenerBinary is the real listener executable (what listener processes run).
	ListenerBinary string
	Listeners      *UsageSampler
	Pods           *PodRecorder

	// KeepWorkDir keeps a temporary work folder (its logs) after Close.
	KeepWorkDir bool
	tempWorkDir bool

	simCancel context.CancelFunc
	bgCtx     context.Context
	bgCancel  context.CancelFunc

	mu       sync.Mutex
	logFiles []*os.File
	teams    []*Team
	standins map[string]standinHandle
}

type standinHandle struct {
	cancel context.CancelFunc
	s      *standin.StandIn
}

func (o *Options) progress(format string, args ...any) {
	if o.Progress != nil {
		o.Progress(format, args...)
	}
}

// Start builds what is missing and starts the cluster, the simulator, the provider
// and the pod recorder. Teams come next (AddTeam). On error, what was started is
// stopped.
func Start(ctx context.Context, o Options) (env *Env, err error) {
	if o.RepoRoot == "" {
		o.RepoRoot = testenv.RepoRoot()
	}
	if o.Provider == "" {
		o.Provider = ProviderBinary
	}
	tempWorkDir := o.WorkDir == ""
	if tempWorkDir {
		if o.WorkDir, err = os.MkdirTemp("", "arc-demo-"); err != nil {
			return nil, fmt.Errorf("%s: %w", errWorkDir, err)
		}
	}
	if o.RunnerJobWait == 0 {
		o.RunnerJobWait = 10 * time.Minute
	}
	e := &Env{opts: o, standins: map[string]standinHandle{}, tempWorkDir: tempWorkDir}
	e.bgCtx, e.bgCancel = context.WithCancel(context.Background())
	defer func() {
		if err != nil {
			e.stopProcesses()
		}
	}()

	bin := filepath.Join(o.WorkDir, "bin")
	pkgs := []string{"./cmd/listener"}
	if o.Provider == ProviderBinary {
		pkgs = append(pkgs, "./cmd/provider")
	}
	for _, p := range pkgs {
		if err := e.build(ctx, p, bin); err != nil {
			return nil, err
		}
	}
	e.ListenerBinary = filepath.Join(bin, "listener")

	if err := e.startCluster(ctx); err != nil {
		return nil, err
	}

	o.progress("starting the GitHub simulator (organization %s, repositories %s)", Org, strings.Join(Repositories, ", "))
	simCtx, simCancel := context.WithCancel(context.Background())
	e.simCancel = simCancel
	var repos []simulator.RepoSpec
	for _, r := range Repositories {
		repos = append(repos, simulator.RepoSpec{Name: r, Private: true})
	}
	e.Sim, err = simulator.Start(simCtx, simulator.Options{
		Seed: o.Seed, Faults: o.Faults,
		Setup: simulator.Setup{
			Orgs: []simulator.OrgSpec{{Login: Org, Repositories: repos}},
			PATs: []simulator.PATSpec{{Token: PAT, Orgs: []string{Org}}},
		},
	})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", errSimulator, err)
	}
	if e.SimClient, err = simclient.New(e.Sim.URL, e.Sim.CACertPEM); err != nil {
		return nil, fmt.Errorf("%s: %w", errSimulator, err)
	}
	o.progress("simulator listening on %s", e.Sim.URL)

	if err := e.startProvider(); err != nil {
		return nil, err
	}
	e.Listeners = NewUsageSampler(e.bgCtx, e.ListenerBinary, 250*time.Millisecond)
	if e.Pods, err = StartPodRecorder(e.bgCtx, e.Clients); err != nil {
		return nil, err
	}
	return e, nil
}

// OrgURL is the organization's githubConfigURL at the simulator.
func (e *Env) OrgURL() string { return e.Sim.URL + "/" + Org }

func (e *Env) build(ctx context.Context, pkg, out string) error {
	e.opts.progress("building %s", pkg)
	start := time.Now()
	cmd := exec.CommandContext(ctx, "go", "build", "-o", out+"/", pkg) //nolint:gosec // fixed package paths
	cmd.Dir = e.opts.RepoRoot
	outb, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s %s: %w\n%s", errBuild, pkg, err, outb)
	}
	e.opts.progress("built %s in %s", pkg, time.Since(start).Round(100*time.Millisecond))
	return nil
}

// clusterDirExists tells whether the local cluster (as cluster/lib.sh names it) was
// created before, in which case the demo reuses it and leaves it running.
func clusterDirExists() bool {
	home := os.Getenv("KWOK_WORKDIR")
	if home == "" {
		h, _ := os.UserHomeDir()
		home = filepath.Join(h, ".kwok")
	}
	name := os.Getenv("ARC_CLUSTER_NAME")
	if name == "" {
		name = "provider-github-arc"
	}
	_, err := os.Stat(filepath.Join(home, "clusters", name))
	return err == nil
}

func (e *Env) startCluster(ctx context.Context) error {
	if os.Getenv(testenv.EnvKubeconfig) != "" {
		e.opts.progress("using the cluster of %s=%s", testenv.EnvKubeconfig, os.Getenv(testenv.EnvKubeconfig))
	} else {
		e.StartedCluster = !clusterDirExists()
		if e.StartedCluster {
			e.opts.progress("starting the local cluster (the first start builds Kubernetes, etcd and kwok: minutes)")
		} else {
			e.opts.progress("starting or reusing the local cluster")
		}
	}
	testenv.AddToSchemes = append(testenv.AddToSchemes, apis.AddToScheme)
	c, err := testenv.Start(ctx)
	if err != nil {
		return fmt.Errorf("%s: %w", errCluster, err)
	}
	e.Cluster, e.Kube = c, c.Client
	if e.Clients, err = kubernetes.NewForConfig(c.Config); err != nil {
		return fmt.Errorf("%s: %w", errCluster, err)
	}
	e.opts.progress("cluster up (kubeconfig %s); CRDs installed", c.Kubeconfig)
	return nil
}

func (e *Env) startProvider() error {
	logPath := filepath.Join(e.opts.WorkDir, "provider.log")
	logFile, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("%s: %w", errProvider, err)
	}
	e.mu.Lock()
	e.logFiles = append(e.logFiles, logFile)
	e.mu.Unlock()
	p := &Process{Name: "provider", Log: logFile, Env: append([]string{"KUBECONFIG=" + e.Cluster.Kubeconfig}, e.opts.ProviderEnv...)}
	switch e.opts.Provider {
	case ProviderEmbedded:
		self, err := os.Executable()
		if err != nil {
			return fmt.Errorf("%s: %w", errExecutable, err)
		}
		p.Path = self
		p.Env = append(p.Env, EnvRole+"="+RoleProvider, EnvProviderNamespaces+"=")
	default:
		p.Path = filepath.Join(e.opts.WorkDir, "bin", "provider")
		// Loopback ports the kernel picks, unless asked for one (the
		// provider refuses a flag given twice): the listeners run on this
		// host too.
		for _, flag := range []string{"--metrics-bind-address", "--health-probe-bind-address"} {
			if !hasFlag(e.opts.ProviderArgs, flag) {
				p.Args = append(p.Args, flag+"=127.0.0.1:0")
			}
		}
		p.Args = append(p.Args, e.opts.ProviderArgs...)
	}
	e.Provider, e.providerLog = p, logPath
	return nil
}

// hasFlag reports whether args set flag, as "--flag=v" or "--flag v".
func hasFlag(args []string, flag string) bool {
	for _, a := range args {
		if a == flag || strings.HasPrefix(a, flag+"=") {
			return true
		}
	}
	return false
}

// providerExited is why the provider ended on its own, with where its log is;
// nil while it runs. A wait for the provider's work fails with it at once
// instead of at its deadline.
func (e *Env) providerExited() error {
	if e.Provider == nil {
		return nil
	}
	if err := e.Provider.Exited(); err != nil {
		return fmt.Errorf("%w (its log: %s)", err, e.providerLog)
	}
	return nil
}

// ensureProvider starts the provider once the first team's namespace is known: the
// embedded provider is told its namespaces at start.
func (e *Env) ensureProvider() error {
	if e.Provider.Pid() > 0 {
		if e.opts.Provider != ProviderEmbedded {
			return nil
		}
		// The embedded provider watches a fixed set of namespaces: restart it
		// with the new one. It is crash-safe, so a short grace will do.
		if err := e.Provider.Stop(5 * time.Second); err != nil {
			return err
		}
	}
	if e.opts.Provider == ProviderEmbedded {
		var nss []string
		for _, t := range e.teams {
			nss = append(nss, t.Namespace)
		}
		env := e.Provider.Env[:0:0]
		for _, v := range e.Provider.Env {
			if !strings.HasPrefix(v, EnvProviderNamespaces+"=") {
				env = append(env, v)
			}
		}
		e.Provider.Env = append(env, EnvProviderNamespaces+"="+strings.Join(nss, ","))
	}
	if err := e.Provider.Start(); err != nil {
		return err
	}
	e.opts.progress("provider running (pid %d, %s mode, log %s)", e.Provider.Pid(), e.opts.Provider, filepath.Join(e.opts.WorkDir, "provider.log"))
	return nil
}

// startStandIn plays the pods of one namespace: a stand-in per namespace, because
// other tests on the shared cluster play their own namespaces.
func (e *Env) startStandIn(ns string) error {
	self, err := os.Executable()
	if err != nil {
		return fmt.Errorf("%s: %w", errExecutable, err)
	}
	sctx, cancel := context.WithCancel(e.bgCtx)
	log := e.opts.StandInLog
	if log.GetSink() == nil {
		log = e.standinFileLog()
	}
	s, err := standin.Start(sctx, standin.Options{
		Config: e.Cluster.Config, Namespace: ns, Simulator: e.SimClient,
		RunnerJobWait:  e.opts.RunnerJobWait,
		ListenerBinary: self,
		ListenerEnv:    append([]string{EnvRole + "=" + RoleListenerShim, EnvListenerBinary + "=" + e.ListenerBinary}, listenerAddrEnv...),
		WorkDir:        e.opts.WorkDir,
		Log:            log.WithValues("namespace", ns),
	})
	if err != nil {
		cancel()
		return fmt.Errorf("%s: %w", errStandIn, err)
	}
	e.mu.Lock()
	e.standins[ns] = standinHandle{cancel: cancel, s: s}
	e.mu.Unlock()
	return nil
}

// KillListeners SIGKILLs every listener process running now and returns how many.
func (e *Env) KillListeners() int {
	pids := ChildrenRunning(e.ListenerBinary)
	for _, pid := range pids {
		if p, err := os.FindProcess(pid); err == nil {
			_ = p.Kill()
		}
	}
	return len(pids)
}

// createNamespace creates a labelled namespace, failing when it exists already: a
// namespace of the same name from an earlier run is not ours to take over.
func (e *Env) createNamespace(ctx context.Context, name string) error {
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{LabelDemo: "true"}}}
	if err := e.Kube.Create(ctx, ns); err != nil {
		if kerrors.IsAlreadyExists(err) {
			return fmt.Errorf("%s %s: it exists already (a run left it behind? kubectl delete ns -l %s): %w", errNamespace, name, LabelDemo, err)
		}
		return fmt.Errorf("%s %s: %w", errNamespace, name, err)
	}
	return nil
}

// Close tears down what Start and AddTeam started, in order: each team's runner pool
// (while the provider still runs, so its finalizers are honoured), the namespaces,
// the stand-ins, the provider, the simulator and, when the demo created it, the
// cluster. It is safe to call after a partial start.
func (e *Env) Close(ctx context.Context) error {
	var errs []error
	if err := e.DeleteTeams(ctx, e.Teams()...); err != nil {
		errs = append(errs, err)
	}
	e.stopProcesses()
	e.mu.Lock()
	for _, f := range e.logFiles {
		_ = f.Close()
	}
	e.logFiles = nil
	e.mu.Unlock()
	if e.tempWorkDir && !e.KeepWorkDir && len(errs) == 0 {
		_ = os.RemoveAll(e.opts.WorkDir)
	} else {
		e.opts.progress("logs kept in %s", e.opts.WorkDir)
	}
	if e.StartedCluster {
		e.opts.progress("removing the local cluster this run created")
		cmd := exec.CommandContext(ctx, filepath.Join(e.opts.RepoRoot, "cluster", "down.sh")) //nolint:gosec // our script
		cmd.Stdout, cmd.Stderr = io.Discard, os.Stderr
		if err := cmd.Run(); err != nil {
			errs = append(errs, fmt.Errorf("cluster/down.sh: %w", err))
		}
	}
	return errors.Join(errs...)
}

func (e *Env) stopProcesses() {
	e.mu.Lock()
	handles := e.standins
	e.standins = map[string]standinHandle{}
	e.mu.Unlock()
	for _, h := range handles {
		h.cancel()
	}
	for _, h := range handles {
		h.s.Wait()
	}
	if e.Provider != nil {
		_ = e.Provider.Stop(30 * time.Second)
	}
	if e.bgCancel != nil {
		e.bgCancel()
	}
	if e.simCancel != nil {
		e.simCancel()
		_ = e.Sim.Close()
	}
}

// EnsureRunnerGroup creates an organization runner group open to all its
// repositories, as a platform team would have before teams refer to it by name.
func (e *Env) EnsureRunnerGroup(ctx context.Context, name string) error {
	gh, err := ghclient.New(ghclient.Config{BaseURL: e.Sim.URL, CABundle: e.Sim.CACertPEM, Organization: Org, PersonalAccessToken: PAT})
	if err != nil {
		return fmt.Errorf("%s %s: %w", errRunnerGroup, name, err)
	}
	if _, err := gh.GetRunnerGroupByName(ctx, name); err == nil {
		return nil
	}
	if _, err := gh.CreateRunnerGroup(ctx, ghclient.RunnerGroupParameters{Name: name, Visibility: "all"}); err != nil && !ghclient.IsAlreadyExists(err) {
		return fmt.Errorf("%s %s: %w", errRunnerGroup, name, err)
	}
	return nil
}

// EndSession ends the scale set's active message session at the Actions Service, as
// the service does with a session whose listener stopped polling. The simulator
// keeps sessions until deleted (it has an idle expiry, but simulator.Options does not
// expose it), so a listener that was killed would block its successor's session
// forever without this. It retries through injected faults until ctx ends.
func (e *Env) EndSession(ctx context.Context, scaleSetID int64) error {
	tenant, ok := e.Sim.Tenant(simulator.KindOrganization, Org)
	if !ok {
		return fmt.Errorf("%s: no tenant for %s", errEndSession, Org)
	}
	// Only the session found first is ended: a successor's must live.
	dead := ""
	for {
		st, err := e.SimClient.ActionsState(ctx)
		if err != nil {
			return fmt.Errorf("%s: %w", errEndSession, err)
		}
		var session string
		for _, ss := range st.ScaleSets {
			if int64(ss.ID) == scaleSetID && ss.Session != nil {
				session = ss.Session.ID
			}
		}
		if dead == "" {
			dead = session
		}
		if session == "" || session != dead {
			return nil
		}
		token, _ := e.Sim.Actions().IssueAdminToken(tenant.ID)
		url := fmt.Sprintf("%s_apis/runtime/runnerscalesets/%d/sessions/%s?api-version=6.0-preview", tenant.ActionsURL, scaleSetID, session)
		req, err := http.NewRequestWithContext(ctx, http.MethodDelete, url, nil)
		if err != nil {
			return fmt.Errorf("%s: %w", errEndSession, err)
		}
		req.Header.Set("Authorization", "Bearer "+token)
		if resp, err := e.SimClient.HTTPClient().Do(req); err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			_ = resp.Body.Close()
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s: %w", errEndSession, ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// standinFileLog logs the stand-in (and the listeners' output it relays) to
// standin.log in the work folder.
func (e *Env) standinFileLog() logr.Logger {
	f, err := os.OpenFile(filepath.Join(e.opts.WorkDir, "standin.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return logr.Discard()
	}
	e.mu.Lock()
	e.logFiles = append(e.logFiles, f)
	e.mu.Unlock()
	var mu sync.Mutex
	return funcr.New(func(prefix, args string) {
		mu.Lock()
		defer mu.Unlock()
		fmt.Fprintln(f, time.Now().UTC().Format(time.RFC3339Nano), prefix, args)
	}, funcr.Options{})
}

// DeleteTeams removes the teams' runner pools and namespaces, all at once.
func (e *Env) DeleteTeams(ctx context.Context, teams ...*Team) error {
	var (
		errs  []error
		errMu sync.Mutex
		wg    sync.WaitGroup
	)
	for _, t := range teams {
		wg.Add(1)
		go func() {
			defer wg.Done()
			e.opts.progress("removing %s", t.Namespace)
			if err := t.Delete(ctx); err != nil {
				errMu.Lock()
				errs = append(errs, err)
				errMu.Unlock()
			}
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}
