// Package standin plays the processes of pods under kwok, which runs no
// container. For each runner pod it plays the GitHub Actions runner against
// the simulator with the pod's JIT config and ends the pod with the runner's
// exit code; for each listener pod it runs the listener binary, and for each
// pod of a Crossplane package (the provider's and the function's Deployments)
// the package's program, as local processes with the pod's args, environment,
// Secret volumes and a kubeconfig holding a token of the pod's
// ServiceAccount, so that the real API server enforces the pod's RBAC.
package standin

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/cache"

	"github.com/arc-crossplane/provider-github-arc/internal/simulator/simclient"
)

// Pod components the stand-in plays (the label app.kubernetes.io/component).
const (
	labelComponent    = "app.kubernetes.io/component"
	componentRunner   = "runner"
	componentListener = "listener"
)

// Outcome is what a runner pod does instead of running the runner.
type Outcome struct {
	// Fail makes the runner container exit with ExitCode (non-zero) at once,
	// without connecting to the service, as a crashing runner image would.
	Fail     bool
	ExitCode int32
}

// Options configure the stand-in.
type Options struct {
	// Config reaches the cluster with rights to read pods and Secrets, patch
	// pod status and request ServiceAccount tokens.
	Config *rest.Config
	// Namespace limits the stand-in to one namespace; empty means all.
	Namespace string
	// Simulator is the admin client runners are played through.
	Simulator *simclient.Client
	// RunnerOutcome decides, per runner pod, whether it fails instead of
	// running; nil runs every runner.
	RunnerOutcome func(pod *corev1.Pod) Outcome
	// RunnerJobWait bounds how long a runner waits for a job; the
	// simulator's default (its maximum) when zero.
	RunnerJobWait time.Duration
	// ListenerBinary is the listener executable run for listener pods;
	// listener pods are left alone when it is empty.
	ListenerBinary string
	// ListenerEnv is added to every listener process's environment.
	ListenerEnv []string
	// Programs stand for the images of Crossplane packages, by package name
	// (the last element of the image's repository); package pods whose image
	// has none are left alone.
	Programs map[string]Program
	// HostsFile is the hosts file Crossplane core resolves names with
	// (cluster/crossplane): each package pod's address is published there
	// under the names of the Services that select it. None when empty.
	HostsFile string
	// WorkDir holds the played pods' files; a temporary folder when empty.
	WorkDir string
	// Log receives what the stand-in does.
	Log logr.Logger
}

const (
	errOptions  = "invalid stand-in options"
	errInformer = "cannot sync the pod informer"
)

// StandIn runs until its context ends; Wait returns after every process it
// started has stopped.
type StandIn struct {
	o    Options
	kube kubernetes.Interface

	mu      sync.Mutex
	playing map[string]context.CancelFunc // by pod UID
	wg      sync.WaitGroup

	addresses addressBook
	hosts     hostsFile
}

// Start starts the stand-in; it stops when ctx ends.
func Start(ctx context.Context, o Options) (*StandIn, error) {
	if o.Config == nil {
		return nil, fmt.Errorf("%s: no cluster config", errOptions)
	}
	if o.Simulator == nil {
		return nil, fmt.Errorf("%s: no simulator client", errOptions)
	}
	if o.Log.GetSink() == nil {
		o.Log = logr.Discard()
	}
	kube, err := kubernetes.NewForConfig(o.Config)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", errOptions, err)
	}
	s := &StandIn{o: o, kube: kube, playing: map[string]context.CancelFunc{}, hosts: hostsFile{path: o.HostsFile}}

	selectors := []string{labelComponent + " in (" + componentRunner + "," + componentListener + ")"}
	if len(o.Programs) > 0 {
		selectors = append(selectors, labelPackageRevision)
	}
	for _, sel := range selectors {
		factory := informers.NewSharedInformerFactoryWithOptions(kube, 0,
			informers.WithNamespace(o.Namespace),
			informers.WithTweakListOptions(func(lo *metav1.ListOptions) { lo.LabelSelector = sel }))
		inf := factory.Core().V1().Pods().Informer()
		if _, err := inf.AddEventHandler(cache.ResourceEventHandlerFuncs{
			AddFunc:    func(obj any) { s.observe(ctx, obj) },
			UpdateFunc: func(_, obj any) { s.observe(ctx, obj) },
			DeleteFunc: func(obj any) { s.forget(obj) },
		}); err != nil {
			return nil, fmt.Errorf("%s: %w", errInformer, err)
		}
		factory.Start(ctx.Done())
		if !cache.WaitForCacheSync(ctx.Done(), inf.HasSynced) {
			return nil, errors.New(errInformer)
		}
		go func() {
			<-ctx.Done()
			factory.Shutdown()
		}()
	}
	return s, nil
}

// Wait blocks until every pod the stand-in played stopped.
func (s *StandIn) Wait() { s.wg.Wait() }

// observe starts playing a pod once kwok marked it Running, and stops when
// it is being deleted.
func (s *StandIn) observe(ctx context.Context, obj any) {
	pod, ok := obj.(*corev1.Pod)
	if !ok {
		return
	}
	if !pod.DeletionTimestamp.IsZero() {
		s.forget(pod)
		return
	}
	if pod.Status.Phase != corev1.PodRunning {
		return
	}
	key := string(pod.UID)
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.playing[key]; ok {
		return
	}
	pctx, cancel := context.WithCancel(ctx)
	s.playing[key] = cancel
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		log := s.o.Log.WithValues("pod", pod.Namespace+"/"+pod.Name)
		var err error
		switch {
		case pod.Labels[labelComponent] == componentRunner:
			err = s.playRunner(pctx, log, pod.DeepCopy())
		case pod.Labels[labelComponent] == componentListener:
			err = s.runListener(pctx, log, pod.DeepCopy())
		case pod.Labels[labelPackageRevision] != "":
			err = s.runPackage(pctx, log, pod.DeepCopy())
		}
		if err != nil && pctx.Err() == nil {
			log.Error(err, "stand-in could not play the pod")
		}
	}()
}

// forget stops playing a pod that goes away. Its entry stays, so an update
// seen after the cancel does not start it again.
func (s *StandIn) forget(obj any) {
	if d, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = d.Obj
	}
	pod, ok := obj.(*corev1.Pod)
	if !ok {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if cancel, ok := s.playing[string(pod.UID)]; ok {
		cancel()
	} else {
		s.playing[string(pod.UID)] = func() {}
	}
}
