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

// Command provider runs every controller of provider-github-arc: the
// provider configurations, the managed resources at GitHub (RunnerGroup,
// RunnerScaleSet) and the in-cluster runtime of runner scale sets.
package main

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/alecthomas/kingpin/v2"
	xpcontroller "github.com/crossplane/crossplane-runtime/v2/pkg/controller"
	"github.com/crossplane/crossplane-runtime/v2/pkg/feature"
	"github.com/crossplane/crossplane-runtime/v2/pkg/gate"
	"github.com/crossplane/crossplane-runtime/v2/pkg/logging"
	"github.com/crossplane/crossplane-runtime/v2/pkg/ratelimiter"
	"github.com/crossplane/crossplane-runtime/v2/pkg/reconciler/customresourcesgate"
	"github.com/crossplane/crossplane-runtime/v2/pkg/reconciler/managed"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/healthz"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	"sigs.k8s.io/controller-runtime/pkg/metrics"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	"github.com/arc-crossplane/provider-github-arc/apis"
	"github.com/arc-crossplane/provider-github-arc/internal/controller"
	"github.com/arc-crossplane/provider-github-arc/internal/controller/all"
	arcruntime "github.com/arc-crossplane/provider-github-arc/internal/controller/runtime"
)

const (
	errScheme     = "cannot add APIs to the scheme"
	errKubeconfig = "cannot get the Kubernetes client configuration"
	errManager    = "cannot create the controller manager"
	errSetup      = "cannot set up controller %s"
	errHealth     = "cannot add health checks"
	errMetrics    = "cannot register metrics"
	errRun        = "cannot run the controller manager"
)

func main() {
	app := kingpin.New("provider-github-arc", "GitHub Actions runner scale sets for Crossplane.").DefaultEnvars()
	var (
		debug            = app.Flag("debug", "Log at debug level, in a human-readable format.").Short('d').Bool()
		pollInterval     = app.Flag("poll", "How often every managed resource is checked for drift at GitHub.").Default("1m").Duration()
		syncInterval     = app.Flag("sync", "How often every watched object is resynced from the cache.").Short('s').Default("1h").Duration()
		maxReconcileRate = app.Flag("max-reconcile-rate", "Reconciles per second the whole provider may start (bursts of ten times as many).").Default("50").Int()
		concurrency      = app.Flag("max-concurrent-reconciles", "Reconciles each controller may run at once.").Default(strconv.Itoa(arcruntime.DefaultMaxConcurrentReconciles)).Int()
		runnerWorkers    = app.Flag("runner-max-concurrent-reconciles", "EphemeralRunners the runner controller may reconcile at once (its workers; a burst's runners wait for one each).").Default(strconv.Itoa(arcruntime.DefaultRunnerMaxConcurrentReconciles)).Int()
		clientQPS        = app.Flag("kube-client-qps", "Requests per second to the Kubernetes API server.").Default(strconv.Itoa(arcruntime.DefaultKubeClientQPS)).Float32()
		clientBurst      = app.Flag("kube-client-burst", "Burst of requests to the Kubernetes API server.").Default(strconv.Itoa(arcruntime.DefaultKubeClientBurst)).Int()
		leaderElection   = app.Flag("leader-election", "Elect a leader, so that only one of several replicas reconciles.").Short('l').Default("false").OverrideDefaultFromEnvar("LEADER_ELECTION").Bool()
		leaderNamespace  = app.Flag("leader-election-namespace", "Namespace of the leader election lease; the provider's own by default.").String()
		metricsAddr      = app.Flag("metrics-bind-address", "Address the Prometheus metrics are served on.").Default(":8080").String()
		healthAddr       = app.Flag("health-probe-bind-address", "Address the liveness and readiness probes are served on.").Default(":8081").String()
		listenerImage    = app.Flag("listener-image", "Image of the listener pods, one per runner scale set.").Default(controller.DefaultListenerImage).String()
		profileAddr      = app.Flag("profile", "Address to serve runtime profiling data on, at /debug/pprof; off when empty.").PlaceHolder("HOST:PORT").String()
		safeStart        = app.Flag("enable-safe-start", "Start each controller only once the CRDs of its kinds are installed (Crossplane's safe-start; CRDs can be left out by a ManagedResourceActivationPolicy).").Default("true").Bool()
	)
	kingpin.MustParse(app.Parse(os.Args[1:]))

	zl := zap.New(zap.UseDevMode(*debug))
	ctrl.SetLogger(zl)
	log := logging.NewLogrLogger(zl.WithName("provider-github-arc"))

	if err := run(ctrl.SetupSignalHandler(), log, runOptions{
		pollInterval: *pollInterval, syncInterval: *syncInterval, maxReconcileRate: *maxReconcileRate,
		concurrency: *concurrency, runnerWorkers: *runnerWorkers, clientQPS: *clientQPS, clientBurst: *clientBurst,
		leaderElection: *leaderElection, leaderNamespace: *leaderNamespace,
		metricsAddr: *metricsAddr, healthAddr: *healthAddr, profileAddr: *profileAddr, listenerImage: *listenerImage, safeStart: *safeStart,
	}); err != nil {
		log.Info("Provider stopped", "error", err.Error())
		os.Exit(1)
	}
}

type runOptions struct {
	pollInterval, syncInterval time.Duration
	maxReconcileRate           int
	concurrency                int
	runnerWorkers              int
	clientQPS                  float32
	clientBurst                int
	leaderElection             bool
	leaderNamespace            string
	metricsAddr, healthAddr    string
	profileAddr                string
	listenerImage              string
	safeStart                  bool
}

func run(ctx context.Context, log logging.Logger, ro runOptions) error {
	scheme := runtime.NewScheme()
	for _, add := range []func(*runtime.Scheme) error{clientgoscheme.AddToScheme, apiextensionsv1.AddToScheme, apis.AddToScheme} {
		if err := add(scheme); err != nil {
			return fmt.Errorf("%s: %w", errScheme, err)
		}
	}

	cfg, err := ctrl.GetConfig()
	if err != nil {
		return fmt.Errorf("%s: %w", errKubeconfig, err)
	}
	cfg.QPS, cfg.Burst = ro.clientQPS, ro.clientBurst

	mgr, err := ctrl.NewManager(cfg, arcruntime.ManagerOptions(ctrl.Options{
		Scheme:                     scheme,
		Cache:                      cache.Options{SyncPeriod: &ro.syncInterval},
		LeaderElection:             ro.leaderElection,
		LeaderElectionID:           "provider-github-arc.arc.crossplane.io",
		LeaderElectionNamespace:    ro.leaderNamespace,
		LeaderElectionResourceLock: "leases",
		// Hand over at once when stopped, rather than after the lease
		// runs out: an upgrade then has no gap in reconciling.
		LeaderElectionReleaseOnCancel: true,
		Metrics:                       metricsserver.Options{BindAddress: ro.metricsAddr},
		HealthProbeBindAddress:        ro.healthAddr,
		PprofBindAddress:              ro.profileAddr,
	}))
	if err != nil {
		return fmt.Errorf("%s: %w", errManager, err)
	}
	if err := mgr.AddHealthzCheck("ping", healthz.Ping); err != nil {
		return fmt.Errorf("%s: %w", errHealth, err)
	}
	if err := mgr.AddReadyzCheck("ping", healthz.Ping); err != nil {
		return fmt.Errorf("%s: %w", errHealth, err)
	}

	// Crossplane's managed resource metrics (time to first reconcile,
	// to readiness, drift, deletion) beside controller-runtime's.
	mrMetrics := managed.NewMRMetricRecorder()
	if err := metrics.Registry.Register(mrMetrics); err != nil {
		return fmt.Errorf("%s: %w", errMetrics, err)
	}

	o := controller.Options{
		Options: xpcontroller.Options{
			Logger:                  log,
			GlobalRateLimiter:       ratelimiter.NewGlobal(ro.maxReconcileRate),
			PollInterval:            ro.pollInterval,
			MaxConcurrentReconciles: ro.concurrency,
			Features:                &feature.Flags{},
			MetricOptions:           &xpcontroller.MetricOptions{MRMetrics: mrMetrics},
		},
		ListenerImage:                 ro.listenerImage,
		RunnerMaxConcurrentReconciles: ro.runnerWorkers,
	}

	if err := setupControllers(mgr, o, all.Controllers(), ro.safeStart); err != nil {
		return err
	}
	log.Info("Starting provider", "pollInterval", ro.pollInterval.String(), "maxReconcileRate", ro.maxReconcileRate,
		"safeStart", ro.safeStart, "listenerImage", ro.listenerImage)
	if err := mgr.Start(ctx); err != nil {
		return fmt.Errorf("%s: %w", errRun, err)
	}
	return nil
}

// setupControllers sets every controller up: at once, or, with safe start,
// each as soon as the CRDs of its kinds are established. Safe start lets
// Crossplane install only the CRDs a ManagedResourceActivationPolicy asks for
// without the provider failing on the missing ones.
func setupControllers(mgr ctrl.Manager, o controller.Options, cs []all.Controller, safeStart bool) error {
	if !safeStart {
		for _, c := range cs {
			if err := c.Setup(mgr, o); err != nil {
				return fmt.Errorf(errSetup+": %w", c.Name, err)
			}
		}
		return nil
	}

	g := new(gate.Gate[schema.GroupVersionKind])
	o.Gate = g
	if err := customresourcesgate.Setup(mgr, o.Options); err != nil {
		return fmt.Errorf(errSetup+": %w", "crd-gate", err)
	}
	for _, c := range cs {
		g.Register(func() {
			if err := c.Setup(mgr, o); err != nil {
				// A controller that cannot be set up once its
				// CRDs exist is a bug, not a condition to wait out:
				// stop, so the pod restarts and the error is seen.
				o.Logger.Info("Cannot set up controller", "controller", c.Name, "error", err.Error())
				os.Exit(1)
			}
			o.Logger.Debug("Controller started", "controller", c.Name)
		}, c.Kinds...)
	}
	return nil
}
