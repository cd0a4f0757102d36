package demo

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	xpcontroller "github.com/crossplane/crossplane-runtime/v2/pkg/controller"
	"github.com/crossplane/crossplane-runtime/v2/pkg/feature"
	"github.com/crossplane/crossplane-runtime/v2/pkg/logging"
	"github.com/crossplane/crossplane-runtime/v2/pkg/ratelimiter"
	"golang.org/x/sys/unix"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	"github.com/arc-crossplane/provider-github-arc/apis"
	"github.com/arc-crossplane/provider-github-arc/internal/controller"
	"github.com/arc-crossplane/provider-github-arc/internal/controller/all"
	arcruntime "github.com/arc-crossplane/provider-github-arc/internal/controller/runtime"
)

// The demo, bench and chaos executables play two more roles when re-executed with
// EnvRole set: the listener shim and the embedded provider.
const (
	EnvRole = "ARC_DEMO_ROLE"
	// RoleListenerShim detaches a listener process from the terminal and its
	// parent's death, then becomes the listener binary named by EnvListenerBinary.
	RoleListenerShim  = "listener-shim"
	EnvListenerBinary = "ARC_DEMO_LISTENER_BINARY"
	// RoleProvider runs every controller of the provider, watching only the
	// namespaces in EnvProviderNamespaces (comma-separated).
	RoleProvider          = "provider"
	EnvProviderNamespaces = "ARC_DEMO_PROVIDER_NAMESPACES"
	// EnvProviderPprof is the address the embedded provider serves
	// /debug/pprof on; none when empty.
	EnvProviderPprof = "ARC_DEMO_PROVIDER_PPROF"
	// EnvProviderConcurrency sets the embedded provider's reconciles per
	// controller (20 by default), for tuning experiments.
	EnvProviderConcurrency = "ARC_DEMO_PROVIDER_CONCURRENCY"
)

// listenerAddrEnv gives every listener process loopback ports the kernel picks
// (cmd/listener reads them over its config's): each listener's config asks for the
// pod ports :8080 and :8081, which only the first listener on a host would get.
var listenerAddrEnv = []string{"LISTENER_METRICS_ADDR=127.0.0.1:0", "LISTENER_HEALTH_ADDR=127.0.0.1:0"}

const (
	errShimExec     = "listener shim: cannot exec the listener"
	errProviderRole = "embedded provider"
)

// RunRoleIfAsked runs the role EnvRole names and exits; it returns at once when the
// variable is not set. Call it first in main (and in TestMain).
func RunRoleIfAsked() {
	switch os.Getenv(EnvRole) {
	case "":
		return
	case RoleListenerShim:
		err := execListener()
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	case RoleProvider:
		if err := runEmbeddedProvider(); err != nil {
			fmt.Fprintf(os.Stderr, "%s: %v\n", errProviderRole, err)
			os.Exit(1)
		}
		os.Exit(0)
	default:
		fmt.Fprintf(os.Stderr, "unknown %s %q\n", EnvRole, os.Getenv(EnvRole))
		os.Exit(2)
	}
}

// execListener leaves the terminal's process group (a Ctrl-C must reach only the
// demo, which stops listeners by deleting their pods), asks to die with its parent,
// and replaces itself with the real listener: same pid, same signals. The listener
// ports are not its business: the stand-in passes listenerAddrEnv.
func execListener() error {
	target := os.Getenv(EnvListenerBinary)
	var env []string
	for _, e := range os.Environ() {
		if strings.HasPrefix(e, EnvRole+"=") || strings.HasPrefix(e, EnvListenerBinary+"=") {
			continue
		}
		env = append(env, e)
	}
	_ = syscall.Setpgid(0, 0)
	_ = unix.Prctl(unix.PR_SET_PDEATHSIG, uintptr(syscall.SIGKILL), 0, 0, 0)
	if err := syscall.Exec(target, append([]string{target}, os.Args[1:]...), env); err != nil { //nolint:gosec // our own build
		return fmt.Errorf("%s %s: %w", errShimExec, target, err)
	}
	return nil
}

// runEmbeddedProvider runs the provider's six controllers like cmd/provider does,
// with one difference: it watches only the namespaces it is given, so that it
// leaves alone what other tests on the shared local cluster run.
func runEmbeddedProvider() error {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	_ = unix.Prctl(unix.PR_SET_PDEATHSIG, uintptr(syscall.SIGTERM), 0, 0, 0)

	scheme := runtime.NewScheme()
	for _, add := range []func(*runtime.Scheme) error{clientgoscheme.AddToScheme, apiextensionsv1.AddToScheme, apis.AddToScheme} {
		if err := add(scheme); err != nil {
			return err
		}
	}
	cfg, err := ctrl.GetConfig()
	if err != nil {
		return err
	}
	cfg.QPS, cfg.Burst = 500, 1000
	namespaces := map[string]cache.Config{}
	for _, ns := range strings.Split(os.Getenv(EnvProviderNamespaces), ",") {
		if ns = strings.TrimSpace(ns); ns != "" {
			namespaces[ns] = cache.Config{}
		}
	}
	zl := zap.New(zap.UseDevMode(false))
	ctrl.SetLogger(zl)
	sync := time.Hour
	mgr, err := ctrl.NewManager(cfg, arcruntime.ManagerOptions(ctrl.Options{
		Scheme:                 scheme,
		Cache:                  cache.Options{DefaultNamespaces: namespaces, SyncPeriod: &sync},
		Metrics:                metricsserver.Options{BindAddress: "0"},
		HealthProbeBindAddress: "0",
		PprofBindAddress:       os.Getenv(EnvProviderPprof),
	}))
	if err != nil {
		return err
	}
	const rate = 200
	concurrency := 20
	if v, err := strconv.Atoi(os.Getenv(EnvProviderConcurrency)); err == nil && v > 0 {
		concurrency = v
	}
	o := controller.Options{
		Options: xpcontroller.Options{
			Logger:                  logging.NewLogrLogger(zl.WithName("provider-github-arc")),
			GlobalRateLimiter:       ratelimiter.NewGlobal(rate),
			PollInterval:            time.Minute,
			MaxConcurrentReconciles: concurrency,
			Features:                &feature.Flags{},
		},
		ListenerImage: controller.DefaultListenerImage,
	}
	for _, c := range all.Controllers() {
		if err := c.Setup(mgr, o); err != nil {
			return fmt.Errorf("setup %s: %w", c.Name, err)
		}
	}
	return mgr.Start(ctx)
}
