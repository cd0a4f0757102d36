// Command listener is the process of an AutoscalingListener's pod: it holds the
// runner scale set's message session with GitHub, acquires the jobs the scale
// set can take and patches its EphemeralRunnerSet's replicas, until SIGTERM.
//
// It reads its configuration from the file LISTENER_CONFIG_PATH names
// (config.json of the listener's Secret), its pod's name from POD_NAME (the
// session's owner) and talks to Kubernetes as the standard configuration
// loading finds (KUBECONFIG, else the pod's ServiceAccount).
// LISTENER_METRICS_ADDR and LISTENER_HEALTH_ADDR, when set, replace the
// config's addresses, for hosts that run several listeners side by side.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/go-logr/logr"
	"go.uber.org/zap/zapcore"
	ctrl "sigs.k8s.io/controller-runtime/pkg/client/config"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	"github.com/arc-crossplane/provider-github-arc/internal/listener"
)

// Optional overrides of the config's addresses, for hosts that run several
// listeners side by side (the pod stand-in): "127.0.0.1:0" takes a free port.
const (
	envMetricsAddr = "LISTENER_METRICS_ADDR"
	envHealthAddr  = "LISTENER_HEALTH_ADDR"
)

// Client-side rate limits of the listener's Kubernetes client. A burst of a
// thousand jobs is a thousand started-job records, one patch each: at 50 a
// second the records fell 20 s behind the jobs, and scale-down took runners
// whose record was late for idle. The API server's priority and fairness
// still shares it out among listeners.
const (
	kubeQPS   = 300
	kubeBurst = 600
)

const (
	errNoEnv      = "environment variable is not set"
	errKubeConfig = "cannot load Kubernetes configuration"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	if err := run(ctx); err != nil {
		fmt.Fprintf(os.Stderr, "listener: %v\n", err)
		stop()
		os.Exit(1) //nolint:gocritic // stop has run.
	}
}

func run(ctx context.Context) error {
	path, err := requireEnv(listener.EnvConfigPath)
	if err != nil {
		return err
	}
	owner, err := requireEnv(listener.EnvPodName)
	if err != nil {
		return err
	}
	cfg, err := listener.LoadConfig(path)
	if err != nil {
		return err
	}
	overrideAddrs(cfg, os.Getenv)
	log := newLogger(cfg.LogLevel).WithValues(
		"scaleSetID", cfg.ScaleSetID, "scaleSetName", cfg.ScaleSetName,
		"ephemeralRunnerSet", cfg.EphemeralRunnerSetNamespace+"/"+cfg.EphemeralRunnerSetName,
		"pod", os.Getenv(listener.EnvPodNamespace)+"/"+owner)

	restConfig, err := ctrl.GetConfig()
	if err != nil {
		return fmt.Errorf("%s: %w", errKubeConfig, err)
	}
	// A batch may start 50 jobs, each a status patch: ARC's listener limits
	// at the same rates, above client-go's defaults.
	restConfig.QPS, restConfig.Burst = kubeQPS, kubeBurst
	kube, err := listener.NewDynamicKube(restConfig, cfg.EphemeralRunnerSetNamespace, cfg.EphemeralRunnerSetName)
	if err != nil {
		return err
	}
	l, metrics, err := listener.NewFromConfig(cfg, owner, kube, log)
	if err != nil {
		return err
	}
	servers, err := listener.NewServers(cfg.MetricsAddr, cfg.HealthAddr, metrics, l.Ready, log)
	if err != nil {
		return err
	}
	log.Info("Listener starting", "minRunners", cfg.MinRunners, "maxRunners", cfg.MaxRunners,
		"metricsAddr", servers.MetricsAddr, "healthAddr", servers.HealthAddr)
	err = listener.Serve(ctx, l, servers)
	log.Info("Listener stopped")
	return err
}

func overrideAddrs(cfg *listener.ListenerConfig, getenv func(string) string) {
	if v := getenv(envMetricsAddr); v != "" {
		cfg.MetricsAddr = v
	}
	if v := getenv(envHealthAddr); v != "" {
		cfg.HealthAddr = v
	}
}

func requireEnv(name string) (string, error) {
	v := os.Getenv(name)
	if v == "" {
		return "", errors.New(name + ": " + errNoEnv)
	}
	return v, nil
}

// newLogger logs JSON lines; level is "info" or "debug" (validated with the
// config).
func newLogger(level string) logr.Logger {
	// Stack traces only for panics: errors here are about the network and
	// the API server, not about code paths.
	opts := []zap.Opts{zap.UseDevMode(false), zap.StacktraceLevel(zapcore.DPanicLevel)}
	if level == listener.LogLevelDebug {
		opts = append(opts, zap.Level(zapcore.DebugLevel))
	}
	return zap.New(opts...)
}
