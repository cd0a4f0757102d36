// Package demo brings up the whole product on a local cluster of its own for `make
// run`, the benchmarks, the chaos run and the end-to-end tests: the cluster, Crossplane
// with its package registry (cluster/crossplane), the GitHub simulator, the pod
// stand-in (which plays the provider's and the function's pods with the real binaries,
// runs the real listener binary for listener pods and plays runners), the packages
// installed with the Crossplane CLI, and teams' runner pools that Crossplane composes
// from their AutoscalingRunnerSets and claims. It also observes what happens (jobs,
// runner pods, calls) and tears everything down in order.
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
	"slices"
	"strconv"
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
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/arc-crossplane/provider-github-arc/apis"
	"github.com/arc-crossplane/provider-github-arc/cluster/crossplane"
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

// DefaultClusterName is the local cluster the demo runs on unless told otherwise: one
// of its own, since Crossplane owns the provider's CRDs there, and the tests of the
// other packages install them on the shared cluster themselves.
const DefaultClusterName = "provider-github-arc-crossplane"

const (
	errBuild       = "cannot build"
	errCluster     = "cannot start the local cluster"
	errCrossplane  = "cannot start Crossplane"
	errSimulator   = "cannot start the GitHub simulator"
	errStandIn     = "cannot start the pod stand-in"
	errExecutable  = "cannot find this executable"
	errWorkDir     = "cannot create the work folder"
	errNamespace   = "cannot create the namespace"
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
	// ClusterName is the local cluster (cluster/up.sh's ARC_CLUSTER_NAME); the
	// variable, else DefaultClusterName, when empty. A cluster that does not
	// exist is created, with Crossplane, and removed by Close.
	ClusterName string
	// Nodes is how many fake nodes the cluster gets when it is created (20, for
	// 2,200 pods, when zero).
	Nodes int
	// ProviderArgs are added to the provider's container args through its
	// DeploymentRuntimeConfig, as a platform engineer would.
	ProviderArgs []string
	// Faults are in force at the simulator from the start.
	Faults simulator.Faults
	// Seed seeds the simulator's fault injection.
	Seed uint64
	// StandInLog receives the stand-in's logs (the provider's, the function's and
	// the listeners' output among them).
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
	// ClusterName is the local cluster's name.
	ClusterName string
	// StartedCluster tells that the cluster did not exist before: Close removes it.
	StartedCluster bool
	// Registry is the address of the package registry Crossplane installs from.
	Registry  string
	Sim       *simulator.Server
	SimClient *simclient.Client
	// Binaries are the provider's, function's and listener's executables, built
	// from this tree: what the stand-in runs for their pods.
	ProviderBinary, FunctionBinary, ListenerBinary string
	// Provider, Function and Listeners sample the CPU time and memory of the
	// provider's, the function's and the listeners' processes; Crossplane those of
	// Crossplane core and its RBAC manager.
	Provider, Function, Listeners, Crossplane *UsageSampler
	Pods                                      *PodRecorder

	// KeepWorkDir keeps a temporary work folder (its logs) after Close.
	KeepWorkDir bool
	tempWorkDir bool

	simCancel context.CancelFunc
	bgCtx     context.Context
	bgCancel  context.CancelFunc

	mu         sync.Mutex
	logFiles   []*os.File
	clusterLog io.Writer
	teams      []*Team
	standin    *standinHandle
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

// Start builds what is missing and starts the cluster with Crossplane, the simulator
// and the pod stand-in, and installs the packages (make xpkg builds them). Teams come
// next (AddTeams). On error, what was started is stopped.
func Start(ctx context.Context, o Options) (env *Env, err error) {
	if o.RepoRoot == "" {
		o.RepoRoot = testenv.RepoRoot()
	}
	if o.ClusterName == "" {
		o.ClusterName = os.Getenv("ARC_CLUSTER_NAME")
	}
	if o.ClusterName == "" {
		o.ClusterName = DefaultClusterName
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
	// The demo's clients are controller-runtime's; what they would log is not
	// the demo's to show.
	ctrllog.SetLogger(logr.Discard())
	e := &Env{opts: o, tempWorkDir: tempWorkDir, ClusterName: o.ClusterName}
	e.bgCtx, e.bgCancel = context.WithCancel(context.Background())
	defer func() {
		if err != nil {
			e.stopProcesses()
			if e.StartedCluster {
				_ = e.clusterDown(context.Background())
			}
		}
	}()

	bin := filepath.Join(o.WorkDir, "bin")
	for _, p := range []string{"./cmd/listener", "./cmd/provider", "./cmd/function"} {
		if err := e.build(ctx, p, bin); err != nil {
			return nil, err
		}
	}
	e.ListenerBinary = filepath.Join(bin, "listener")
	e.ProviderBinary = filepath.Join(bin, "provider")
	e.FunctionBinary = filepath.Join(bin, "function")

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

	samplers := NewChildSamplers(e.bgCtx, 250*time.Millisecond, e.ProviderBinary, e.FunctionBinary, e.ListenerBinary)
	e.Provider, e.Function, e.Listeners = samplers[0], samplers[1], samplers[2]
	e.Crossplane = NewUsageSamplerOf(e.bgCtx, e.crossplaneProcesses, time.Second)
	if err := e.startStandIn(); err != nil {
		return nil, err
	}
	if e.Pods, err = StartPodRecorder(e.bgCtx, e.Clients); err != nil {
		return nil, err
	}
	if err := e.installPackages(ctx); err != nil {
		return nil, err
	}
	if err := e.createPlatformConfig(ctx); err != nil {
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

// clusterDir is the folder kwokctl keeps a local cluster in (cluster/lib.sh's
// kwok_home).
func clusterDir(name string) string {
	home := os.Getenv("KWOK_WORKDIR")
	if home == "" {
		h, _ := os.UserHomeDir()
		home = filepath.Join(h, ".kwok")
	}
	return filepath.Join(home, "clusters", name)
}

// clusterExists tells whether the named local cluster was created before, in which
// case the demo reuses it and leaves it running.
func clusterExists(name string) bool {
	_, err := os.Stat(clusterDir(name))
	return err == nil
}

// startCluster starts (or reuses) the cluster and Crossplane on it with the local
// world's scripts.
func (e *Env) startCluster(ctx context.Context) error {
	e.StartedCluster = !clusterExists(e.ClusterName)
	if e.StartedCluster {
		e.opts.progress("starting the local cluster %s (the first start builds Kubernetes, etcd and kwok: minutes)", e.ClusterName)
	} else {
		e.opts.progress("reusing the local cluster %s", e.ClusterName)
	}
	kubeconfig, err := e.script(ctx, "up.sh")
	if err != nil {
		return fmt.Errorf("%s: %w", errCluster, err)
	}
	e.opts.progress("starting Crossplane core and its RBAC manager (the first start builds them: minutes)")
	if e.Registry, err = e.script(ctx, "crossplane-up.sh"); err != nil {
		return fmt.Errorf("%s: %w", errCrossplane, err)
	}
	testenv.AddToSchemes = append(testenv.AddToSchemes, apis.AddToScheme)
	c, err := testenv.Connect(kubeconfig)
	if err != nil {
		return fmt.Errorf("%s: %w", errCluster, err)
	}
	e.Cluster, e.Kube = c, c.Client
	if e.Clients, err = kubernetes.NewForConfig(c.Config); err != nil {
		return fmt.Errorf("%s: %w", errCluster, err)
	}
	e.opts.progress("cluster up (kubeconfig %s); Crossplane installs packages from %s", c.Kubeconfig, e.Registry)
	return nil
}

// script runs one of the local world's scripts on the demo's cluster and returns
// the last line it printed.
func (e *Env) script(ctx context.Context, name string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, filepath.Join(e.opts.RepoRoot, "cluster", name), args...) //nolint:gosec // our scripts
	cmd.Env = append(os.Environ(), "ARC_CLUSTER_NAME="+e.ClusterName)
	if e.opts.Nodes > 0 {
		cmd.Env = append(cmd.Env, fmt.Sprintf("ARC_CLUSTER_NODES=%d", e.opts.Nodes))
	}
	var out, errOut strings.Builder
	cmd.Stdout = &out
	cmd.Stderr = io.MultiWriter(e.scriptLog(), &errOut, &progressLines{progress: e.opts.progress})
	if err := cmd.Run(); err != nil {
		lines := strings.Split(strings.TrimSpace(errOut.String()), "\n")
		return "", fmt.Errorf("cluster/%s: %w: %s", name, err, strings.Join(lines[max(0, len(lines)-5):], "\n"))
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	return strings.TrimSpace(lines[len(lines)-1]), nil
}

// progressLines passes on the scripts' own progress lines (a first build's "still
// building" every 30 s among them); the tools' output stays in the log.
type progressLines struct {
	progress func(format string, args ...any)
	partial  string // a line whose end has not come yet
}

func (p *progressLines) Write(b []byte) (int, error) {
	text := p.partial + string(b)
	lines := strings.Split(text, "\n")
	p.partial = lines[len(lines)-1]
	for _, line := range lines[:len(lines)-1] {
		if rest, ok := strings.CutPrefix(line, "[cluster] "); ok {
			p.progress("  %s", rest)
		}
	}
	return len(b), nil
}

// scriptLog is where the scripts' output goes: cluster.log in the work folder, since
// the tools' lines would flood the demo's view.
func (e *Env) scriptLog() io.Writer {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.clusterLog == nil {
		f, err := os.OpenFile(filepath.Join(e.opts.WorkDir, "cluster.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
		if err != nil {
			return io.Discard
		}
		e.logFiles = append(e.logFiles, f)
		e.clusterLog = f
	}
	return e.clusterLog
}

func (e *Env) clusterDown(ctx context.Context) error {
	e.opts.progress("removing the local cluster %s and its Crossplane", e.ClusterName)
	_, err := e.script(ctx, "down.sh")
	return err
}

// startStandIn plays every pod of the cluster that has a process: the provider's
// and the function's (their binaries built from this tree, each on a loopback
// address of its own that the hosts file of Crossplane core names), listeners and
// runners.
func (e *Env) startStandIn() error {
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
		Config: e.Cluster.Config, Simulator: e.SimClient,
		RunnerJobWait:  e.opts.RunnerJobWait,
		ListenerBinary: self,
		ListenerEnv:    append([]string{EnvRole + "=" + RoleListenerShim, EnvListenerBinary + "=" + e.ListenerBinary}, listenerAddrEnv...),
		Programs:       e.programs(),
		HostsFile:      filepath.Join(crossplaneDir(e.ClusterName), crossplane.FileHosts),
		WorkDir:        e.opts.WorkDir,
		Log:            log,
	})
	if err != nil {
		cancel()
		return fmt.Errorf("%s: %w", errStandIn, err)
	}
	e.mu.Lock()
	e.standin = &standinHandle{cancel: cancel, s: s}
	e.mu.Unlock()
	return nil
}

// crossplaneDir is the folder of the cluster's Crossplane (cluster/lib.sh's
// crossplane_dir).
func crossplaneDir(cluster string) string { return filepath.Join(clusterDir(cluster), "crossplane") }

// programs are the binaries that stand for the packages' images. Their ports are
// those of the pods (metrics 8080, health 8081, gRPC 9443) on the pod's address,
// but for the metrics and probes of the provider and the function: Crossplane's
// RBAC manager holds port 8080 of every address, so they take free ones.
func (e *Env) programs() map[string]standin.Program {
	return map[string]standin.Program{
		ProviderPackage: {Binary: e.ProviderBinary, BindArgs: func(ip string) []string {
			return []string{"--metrics-bind-address=" + ip + ":0", "--health-probe-bind-address=" + ip + ":0"}
		}},
		FunctionPackage: {Binary: e.FunctionBinary, BindArgs: func(ip string) []string {
			return []string{"--address=" + ip + ":9443", "--metrics-address=" + ip + ":0"}
		}},
	}
}

// crossplaneProcesses are Crossplane core and its RBAC manager: the children of the
// process that runs the cluster's Crossplane (cluster/crossplane-up.sh).
func (e *Env) crossplaneProcesses() []int {
	raw, err := os.ReadFile(filepath.Join(crossplaneDir(e.ClusterName), crossplane.FilePID))
	if err != nil {
		return nil
	}
	world, err := strconv.Atoi(strings.TrimSpace(string(raw)))
	if err != nil {
		return nil
	}
	return childrenOf(world)
}

// KillProvider SIGKILLs the provider's process (a crash) and returns how many it
// killed; the stand-in starts it again, as the kubelet restarts a container.
func (e *Env) KillProvider() int { return killChildren(e.ProviderBinary) }

// KillListeners SIGKILLs every listener process running now and returns how many.
func (e *Env) KillListeners() int { return killChildren(e.ListenerBinary) }

// killChildren SIGKILLs this process's children that run exe and returns how many.
func killChildren(exe string) int {
	pids := ChildrenRunning(exe)
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

// Close tears down what Start and AddTeams started, in order: each team's runner pool
// (while the provider still runs, so its finalizers are honoured), the namespaces,
// the stand-in (and with it the provider's and the function's processes), the
// simulator and, when the demo created it, the cluster with its Crossplane. It is
// safe to call after a partial start.
func (e *Env) Close(ctx context.Context) error {
	var errs []error
	if err := e.DeleteTeams(ctx, e.Teams()...); err != nil {
		errs = append(errs, err)
	}
	e.stopProcesses()
	if e.StartedCluster {
		if err := e.clusterDown(ctx); err != nil {
			errs = append(errs, err)
		}
	}
	e.mu.Lock()
	for _, f := range e.logFiles {
		_ = f.Close()
	}
	e.logFiles, e.clusterLog = nil, nil
	e.mu.Unlock()
	if e.tempWorkDir && !e.KeepWorkDir && len(errs) == 0 {
		_ = os.RemoveAll(e.opts.WorkDir)
	} else {
		e.opts.progress("logs kept in %s", e.opts.WorkDir)
	}
	return errors.Join(errs...)
}

func (e *Env) stopProcesses() {
	e.mu.Lock()
	h := e.standin
	e.standin = nil
	e.mu.Unlock()
	if h != nil {
		h.cancel()
		h.s.Wait()
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

// DeleteTeams removes the teams' runner pools and namespaces, all at once; a team
// removed is no longer one of Teams.
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
				return
			}
			e.mu.Lock()
			e.teams = slices.DeleteFunc(e.teams, func(o *Team) bool { return o == t })
			e.mu.Unlock()
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}
