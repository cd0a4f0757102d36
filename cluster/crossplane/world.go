// Package crossplane runs Crossplane on the local cluster the way its Helm chart does
// on a real one: an OCI registry on loopback that packages are pushed to and installed
// from, `crossplane core init` (CRDs, TLS Secrets, webhook configurations, the default
// activation policy), Crossplane core and its RBAC manager. Core and the RBAC manager
// run as local processes, like the control plane kwokctl runs; the pods of the
// packages Crossplane installs are played by cluster/standin.
//
// Two things of a real cluster are stood in for, and said here once:
//   - Core's webhooks are reached through a Service of type ExternalName that points
//     at localhost, where core listens: the API server resolves it and verifies core's
//     certificate against the Service's DNS name, as it would in a cluster.
//   - Core dials a function at dns:///<service>.<namespace>:9443. Core runs in a mount
//     namespace of its own whose /etc/hosts is the world's hosts file, to which the
//     stand-in adds the loopback address of each function pod it plays.
package crossplane

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/google/go-containerregistry/pkg/registry"
	corev1 "k8s.io/api/core/v1"
	kerrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// Names Crossplane's Helm chart gives what core needs, kept so that the world looks
// like a chart install to anyone who inspects it.
const (
	Namespace            = "crossplane-system"
	serviceAccount       = "crossplane"
	webhookService       = "crossplane-webhooks"
	tlsCASecret          = "crossplane-root-ca"
	tlsServerSecret      = "crossplane-tls-server"
	tlsClientSecret      = "crossplane-tls-client"
	imageConfigName      = "local-registry"
	packageRegistryGroup = "pkg.crossplane.io"
)

// Files of the world's folder.
const (
	// FileRegistry holds the registry's address, host:port.
	FileRegistry = "registry"
	// FileHosts is the /etc/hosts core sees.
	FileHosts = "hosts"
	// FileReady exists while the world serves.
	FileReady = "ready"
	// FilePID holds the pid of the process that runs the world.
	FilePID = "pid"
)

const (
	errOptions  = "invalid options"
	errRegistry = "cannot serve the package registry"
	errPorts    = "cannot find free ports for Crossplane core"
	errPrepare  = "cannot prepare the crossplane-system namespace"
	errInit     = "initialization failed"
	errStart    = "cannot start"
	errHealthy  = "Crossplane core did not become healthy"
	errTLS      = "cannot write core's TLS files"
	errImage    = "cannot point Crossplane at the registry"
	errExited   = "exited"
)

// Options configure Start.
type Options struct {
	// Dir is the world's folder: the registry's address, the hosts file, TLS files,
	// the package cache and logs. It is made when missing.
	Dir string
	// Kubeconfig reaches the cluster as its administrator.
	Kubeconfig string
	// Core is the Crossplane binary (stamped with its version).
	Core string
	// CoreModule is the folder of the github.com/crossplane/crossplane/v2 module the
	// binary was built from: its CRDs and webhook configurations are applied.
	CoreModule string
	// ImagePrefix is the package and image prefix the registry mirrors, for example
	// ghcr.io/arc-crossplane: an ImageConfig rewrites it to the registry, the way a
	// platform points Crossplane at a mirror.
	ImagePrefix string
	// Log receives one line per step.
	Log io.Writer
}

// World is a running Crossplane with its registry.
type World struct {
	o        Options
	kube     kubernetes.Interface
	ctrl     client.Client
	registry *http.Server
	// RegistryAddr is the registry's host:port on 127.0.0.1.
	RegistryAddr string
	ports        corePorts

	mu    sync.Mutex
	procs []daemon
	exits chan error
}

// daemon is a process the world started; done closes when it has exited.
type daemon struct {
	cmd  *exec.Cmd
	done chan struct{}
}

// corePorts are the ports core listens on, on every address: free ones, since the
// packages' pods, played on loopback addresses of their own, use the usual ones.
type corePorts struct {
	webhook, metrics, health int
}

// Start serves the registry and starts Crossplane; it returns once core is healthy.
// Close stops everything it started.
func Start(ctx context.Context, o Options) (_ *World, err error) {
	if o.Dir == "" || o.Kubeconfig == "" || o.Core == "" || o.CoreModule == "" || o.ImagePrefix == "" {
		return nil, fmt.Errorf("%s: Dir, Kubeconfig, Core, CoreModule and ImagePrefix are required", errOptions)
	}
	if o.Log == nil {
		o.Log = io.Discard
	}
	for _, d := range []string{"logs", "cache/xpkg", "cache/xfn"} {
		if err := os.MkdirAll(filepath.Join(o.Dir, d), 0o700); err != nil {
			return nil, fmt.Errorf("%s: %w", errOptions, err)
		}
	}
	cfg, err := clientcmd.BuildConfigFromFlags("", o.Kubeconfig)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", errOptions, err)
	}
	w := &World{o: o, exits: make(chan error, 4)}
	if w.kube, err = kubernetes.NewForConfig(cfg); err != nil {
		return nil, fmt.Errorf("%s: %w", errOptions, err)
	}
	if w.ctrl, err = client.New(cfg, client.Options{}); err != nil {
		return nil, fmt.Errorf("%s: %w", errOptions, err)
	}
	defer func() {
		if err != nil {
			w.Close()
		}
	}()

	if err := rbacManagerPortFree(); err != nil {
		return nil, err
	}
	if err := w.serveRegistry(); err != nil {
		return nil, err
	}
	if w.ports, err = freePorts(); err != nil {
		return nil, fmt.Errorf("%s: %w", errPorts, err)
	}
	if err := w.prepare(ctx); err != nil {
		return nil, err
	}
	w.logf("crossplane core init")
	if err := w.retry(ctx, "core-init", 2*time.Minute, w.coreInit); err != nil {
		return nil, err
	}
	if err := w.writeTLS(ctx); err != nil {
		return nil, err
	}
	if err := w.writeHosts(); err != nil {
		return nil, err
	}
	w.logf("starting Crossplane core (webhooks on :%d, metrics on :%d)", w.ports.webhook, w.ports.metrics)
	if err := w.startCore(); err != nil {
		return nil, err
	}
	w.logf("crossplane rbac init, then the RBAC manager")
	if err := w.retry(ctx, "rbac-init", time.Minute, func(ctx context.Context) error {
		return w.run(ctx, "rbac-init", w.env(), "rbac", "init")
	}); err != nil {
		return nil, err
	}
	if err := w.startDaemon("rbac-manager", w.o.Core, w.env(), "rbac", "start"); err != nil {
		return nil, err
	}
	if err := w.waitHealthy(ctx); err != nil {
		return nil, err
	}
	if err := w.applyImageConfig(ctx); err != nil {
		return nil, err
	}
	w.logf("Crossplane is up; packages are served from %s", w.RegistryAddr)
	return w, nil
}

func (w *World) logf(format string, args ...any) {
	fmt.Fprintf(w.o.Log, "[crossplane] "+format+"\n", args...)
}

// Exited delivers why core or the RBAC manager ended on its own.
func (w *World) Exited() <-chan error { return w.exits }

// serveRegistry serves an in-memory OCI registry on 127.0.0.1. go-containerregistry,
// and so the Crossplane CLI and core, speak plain HTTP to registries on loopback.
func (w *World) serveRegistry() error {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("%s: %w", errRegistry, err)
	}
	w.RegistryAddr = l.Addr().String()
	w.registry = &http.Server{
		Handler:           registry.New(registry.Logger(log.New(io.Discard, "", 0))),
		ReadHeaderTimeout: 30 * time.Second,
	}
	go func() { _ = w.registry.Serve(l) }()
	if err := os.WriteFile(filepath.Join(w.o.Dir, FileRegistry), []byte(w.RegistryAddr+"\n"), 0o600); err != nil {
		return fmt.Errorf("%s: %w", errRegistry, err)
	}
	w.logf("package registry on %s", w.RegistryAddr)
	return nil
}

// rbacManagerPort is where the RBAC manager serves its metrics, on every address;
// it has no flag to move them.
const rbacManagerPort = 8080

// rbacManagerPortFree fails when the RBAC manager could not listen: another
// Crossplane of the local world (another cluster's) usually holds the port.
func rbacManagerPortFree() error {
	l, err := net.Listen("tcp", fmt.Sprintf(":%d", rbacManagerPort))
	if err != nil {
		return fmt.Errorf("%s: port %d is taken, and Crossplane's RBAC manager listens on it on every address: is another cluster's Crossplane running? (make cluster-down with its ARC_CLUSTER_NAME stops it): %w", errStart, rbacManagerPort, err)
	}
	return l.Close()
}

// freePorts asks the kernel for three free ports on every address.
func freePorts() (corePorts, error) {
	var ps []int
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			_ = l.Close()
		}
	}()
	for range 3 {
		l, err := net.Listen("tcp", ":0")
		if err != nil {
			return corePorts{}, err
		}
		ls = append(ls, l)
		ps = append(ps, l.Addr().(*net.TCPAddr).Port)
	}
	return corePorts{webhook: ps[0], metrics: ps[1], health: ps[2]}, nil
}

// prepare makes the namespace, core's ServiceAccount (the package runtime copies its
// image pull secrets into the packages' Deployments) and the webhook Service: an
// ExternalName Service at localhost, on the port core serves its webhooks on.
func (w *World) prepare(ctx context.Context) error {
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: Namespace}}
	if _, err := w.kube.CoreV1().Namespaces().Create(ctx, ns, metav1.CreateOptions{}); err != nil && !kerrors.IsAlreadyExists(err) {
		return fmt.Errorf("%s: %w", errPrepare, err)
	}
	sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Namespace: Namespace, Name: serviceAccount}}
	if _, err := w.kube.CoreV1().ServiceAccounts(Namespace).Create(ctx, sa, metav1.CreateOptions{}); err != nil && !kerrors.IsAlreadyExists(err) {
		return fmt.Errorf("%s: %w", errPrepare, err)
	}
	svc := &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Namespace: Namespace, Name: webhookService},
		Spec: corev1.ServiceSpec{
			Type:         corev1.ServiceTypeExternalName,
			ExternalName: "localhost",
			Ports:        []corev1.ServicePort{{Name: "webhooks", Port: int32(w.ports.webhook)}}, //nolint:gosec // a port
		},
	}
	svcs := w.kube.CoreV1().Services(Namespace)
	old, err := svcs.Get(ctx, webhookService, metav1.GetOptions{})
	switch {
	case kerrors.IsNotFound(err):
		_, err = svcs.Create(ctx, svc, metav1.CreateOptions{})
	case err == nil:
		old.Spec = svc.Spec
		_, err = svcs.Update(ctx, old, metav1.UpdateOptions{})
	}
	if err != nil {
		return fmt.Errorf("%s: %w", errPrepare, err)
	}
	return nil
}

// env is what core's and the RBAC manager's containers get from the chart.
func (w *World) env() []string {
	return []string{
		"KUBECONFIG=" + w.o.Kubeconfig,
		"POD_NAMESPACE=" + Namespace,
		"POD_SERVICE_ACCOUNT=" + serviceAccount,
		"LEADER_ELECTION=false",
		"TLS_CA_SECRET_NAME=" + tlsCASecret,
		"TLS_SERVER_SECRET_NAME=" + tlsServerSecret,
		"TLS_CLIENT_SECRET_NAME=" + tlsClientSecret,
		"WEBHOOK_SERVICE_NAME=" + webhookService,
		"WEBHOOK_SERVICE_NAMESPACE=" + Namespace,
		"WEBHOOK_SERVICE_PORT=" + strconv.Itoa(w.ports.webhook),
		"WEBHOOK_PORT=" + strconv.Itoa(w.ports.webhook),
		"METRICS_PORT=" + strconv.Itoa(w.ports.metrics),
		"HEALTH_PROBE_PORT=" + strconv.Itoa(w.ports.health),
		"CRDS_PATH=" + filepath.Join(w.o.CoreModule, "cluster", "crds"),
		"WEBHOOK_CONFIGS_PATH=" + filepath.Join(w.o.CoreModule, "cluster", "webhookconfigurations"),
		"XPKG_CACHE_DIR=" + filepath.Join(w.o.Dir, "cache", "xpkg"),
		"XFN_CACHE_DIR=" + filepath.Join(w.o.Dir, "cache", "xfn"),
		"TLS_SERVER_CERTS_DIR=" + filepath.Join(w.o.Dir, "tls", "server"),
		"TLS_CLIENT_CERTS_DIR=" + filepath.Join(w.o.Dir, "tls", "client"),
	}
}

// coreInit installs core's CRDs, fills the TLS Secrets, applies the webhook
// configurations and makes the default activation policy ('*', as the chart does).
func (w *World) coreInit(ctx context.Context) error {
	return w.run(ctx, "core-init", w.env(), "core", "init", "--activation", "*")
}

// retry runs step until it succeeds or timeout passes: core init races the
// establishment of the CRDs it has just applied ("no matches for kind Lock").
func (w *World) retry(ctx context.Context, name string, timeout time.Duration, step func(context.Context) error) error {
	var last error
	err := wait.PollUntilContextTimeout(ctx, 2*time.Second, timeout, true, func(ctx context.Context) (bool, error) {
		last = step(ctx)
		return last == nil, nil
	})
	if err != nil {
		return fmt.Errorf("%s %s: %w", name, errInit, errors.Join(last, err))
	}
	return nil
}

// run runs core with args once, its output in logs/NAME.log.
func (w *World) run(ctx context.Context, name string, env []string, args ...string) error {
	lf, err := w.logFile(name)
	if err != nil {
		return err
	}
	defer lf.Close()                                   //nolint:errcheck // a log
	cmd := exec.CommandContext(ctx, w.o.Core, args...) //nolint:gosec // our binary
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout, cmd.Stderr = lf, lf
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s %s (log %s): %w", name, strings.Join(args, " "), lf.Name(), err)
	}
	return nil
}

func (w *World) logFile(name string) (*os.File, error) {
	return os.OpenFile(filepath.Join(w.o.Dir, "logs", name+".log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
}

// writeTLS writes the server and client certificates core init made into the folders
// core reads them from, as the chart mounts the Secrets.
func (w *World) writeTLS(ctx context.Context) error {
	for secret, dir := range map[string]string{tlsServerSecret: "server", tlsClientSecret: "client"} {
		s, err := w.kube.CoreV1().Secrets(Namespace).Get(ctx, secret, metav1.GetOptions{})
		if err != nil {
			return fmt.Errorf("%s: %w", errTLS, err)
		}
		d := filepath.Join(w.o.Dir, "tls", dir)
		if err := os.MkdirAll(d, 0o700); err != nil {
			return fmt.Errorf("%s: %w", errTLS, err)
		}
		for k, v := range s.Data {
			if err := os.WriteFile(filepath.Join(d, k), v, 0o600); err != nil {
				return fmt.Errorf("%s: %w", errTLS, err)
			}
		}
	}
	return nil
}

// writeHosts starts the hosts file core resolves names with; the stand-in adds the
// function pods it plays. It is written in place from then on: core's /etc/hosts is
// a bind mount of this very file.
func (w *World) writeHosts() error {
	path := filepath.Join(w.o.Dir, FileHosts)
	if _, err := os.Stat(path); err == nil {
		return nil
	}
	return os.WriteFile(path, []byte(HostsHeader), 0o644) //nolint:gosec // read by core as /etc/hosts
}

// HostsHeader is what the hosts file holds before any pod is played.
const HostsHeader = "127.0.0.1 localhost\n::1 localhost\n"

// startCore runs core in a mount namespace of its own, whose /etc/hosts is the
// world's hosts file.
func (w *World) startCore() error {
	script := `mount --bind "$1" /etc/hosts && shift && exec "$@"`
	args := []string{"-m", "sh", "-c", script, "sh", filepath.Join(w.o.Dir, FileHosts), w.o.Core, "core", "start"}
	return w.startDaemon("core", "unshare", w.env(), args...)
}

// startDaemon starts a long-running process whose output goes to logs/NAME.log; it
// dies with this process.
func (w *World) startDaemon(name, path string, env []string, args ...string) error {
	lf, err := w.logFile(name)
	if err != nil {
		return fmt.Errorf("%s %s: %w", errStart, name, err)
	}
	cmd := exec.Command(path, args...) //nolint:gosec // our binaries
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout, cmd.Stderr = lf, lf
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
	if err := cmd.Start(); err != nil {
		_ = lf.Close()
		return fmt.Errorf("%s %s: %w", errStart, name, err)
	}
	d := daemon{cmd: cmd, done: make(chan struct{})}
	w.mu.Lock()
	w.procs = append(w.procs, d)
	w.mu.Unlock()
	go func() {
		err := cmd.Wait()
		close(d.done)
		_ = lf.Close()
		select {
		case w.exits <- fmt.Errorf("%s %s (log %s): %v", name, errExited, lf.Name(), err):
		default:
		}
	}()
	return nil
}

// waitHealthy waits for core's health endpoint, failing at once when a process exits.
func (w *World) waitHealthy(ctx context.Context) error {
	url := fmt.Sprintf("http://127.0.0.1:%d/healthz", w.ports.health)
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return fmt.Errorf("%s: %w", errHealthy, err)
		}
		if resp, err := http.DefaultClient.Do(req); err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case err := <-w.exits:
			return fmt.Errorf("%s: %w", errHealthy, err)
		case <-ctx.Done():
			return fmt.Errorf("%s: %w", errHealthy, ctx.Err())
		case <-time.After(500 * time.Millisecond):
		}
	}
}

// applyImageConfig rewrites ImagePrefix to the registry, for packages, their
// dependencies and the images of the Deployments core makes.
func (w *World) applyImageConfig(ctx context.Context) error {
	ic := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": packageRegistryGroup + "/v1beta1",
		"kind":       "ImageConfig",
		"metadata":   map[string]any{"name": imageConfigName},
		"spec": map[string]any{
			"matchImages":  []any{map[string]any{"type": "Prefix", "prefix": w.o.ImagePrefix}},
			"rewriteImage": map[string]any{"prefix": w.RegistryAddr + "/" + strings.SplitN(w.o.ImagePrefix, "/", 2)[1]},
		},
	}}
	err := w.retry(ctx, "image-config", time.Minute, func(ctx context.Context) error {
		return w.ctrl.Patch(ctx, ic.DeepCopy(), client.Apply, client.FieldOwner("crossplane-world"), client.ForceOwnership) //nolint:staticcheck // a whole object
	})
	if err != nil {
		return fmt.Errorf("%s: %w", errImage, err)
	}
	return nil
}

// Close stops core and the RBAC manager (SIGTERM, then SIGKILL after 20 s) and the
// registry.
func (w *World) Close() {
	w.mu.Lock()
	procs := w.procs
	w.procs = nil
	w.mu.Unlock()
	var wg sync.WaitGroup
	for _, d := range procs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_ = d.cmd.Process.Signal(syscall.SIGTERM)
			select {
			case <-d.done:
			case <-time.After(20 * time.Second):
				_ = d.cmd.Process.Kill()
				<-d.done
			}
		}()
	}
	wg.Wait()
	if w.registry != nil {
		_ = w.registry.Close()
	}
}
