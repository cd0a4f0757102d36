// Package autoscalinglistener is the controller of AutoscalingListeners: it
// runs one listener pod per runner scale set, with a ServiceAccount whose
// Role can patch only the listener's EphemeralRunnerSet and its runners'
// status, and a config Secret (contract 3). A listener pod that ends is
// replaced; everything goes with the AutoscalingListener (owner references).
package autoscalinglistener

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/crossplane/crossplane-runtime/v2/pkg/logging"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	kerrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	"github.com/arc-crossplane/provider-github-arc/apis/runners/v1alpha1"
	"github.com/arc-crossplane/provider-github-arc/internal/controller"
	arcruntime "github.com/arc-crossplane/provider-github-arc/internal/controller/runtime"
	"github.com/arc-crossplane/provider-github-arc/internal/listener"
)

const (
	errGetListener  = "cannot get AutoscalingListener"
	errBuildConfig  = "cannot build the listener's config"
	errApply        = "cannot apply the listener's %s"
	errGetPod       = "cannot get the listener's pod"
	errCreatePod    = "cannot create the listener's pod"
	errDeletePod    = "cannot delete the listener's pod"
	errUpdateStatus = "cannot update the listener's status"
)

// Reasons of the listener's Ready condition.
const (
	ReasonConfigError = "ProviderConfigError"
	ReasonPodPending  = "PodPending"
	ReasonPodRunning  = "PodRunning"
	ReasonPodEnded    = "PodEnded"
	ReasonRestarting  = "ConfigChanged"
)

// NameTakenReason is the reason of the listener's Ready condition when an
// object of kind (Pod, ServiceAccount, Role, RoleBinding, Secret) of the
// listener's name exists that the listener does not control.
func NameTakenReason(kind string) string { return kind + "NameTaken" }

// Reconciler reconciles AutoscalingListeners.
type Reconciler struct {
	// gauges remembers the gauge labels of each listener, to drop its gauge
	// when it is gone.
	gauges sync.Map
	kube   client.Client
	// live reads past the cache, which holds only the pods the provider
	// created (arcruntime.ManagerOptions).
	live  client.Reader
	image string
	log   logging.Logger
}

// Setup adds the AutoscalingListener controller to mgr.
func Setup(mgr ctrl.Manager, o controller.Options) error {
	arcruntime.RegisterMetrics()
	log := o.Logger
	if log == nil {
		log = logging.NewNopLogger()
	}
	image := o.ListenerImage
	if image == "" {
		image = controller.DefaultListenerImage
	}
	r := &Reconciler{kube: mgr.GetClient(), live: mgr.GetAPIReader(), image: image, log: log.WithValues("controller", "autoscalinglistener")}
	return ctrl.NewControllerManagedBy(mgr).
		Named("autoscalinglistener").
		For(&v1alpha1.AutoscalingListener{}).
		Owns(&corev1.Pod{}).
		Owns(&corev1.Secret{}).
		Owns(&corev1.ServiceAccount{}).
		Owns(&rbacv1.Role{}).
		Owns(&rbacv1.RoleBinding{}).
		WithOptions(o.ForControllerRuntime()).
		Complete(r)
}

// Reconcile implements reconcile.Reconciler.
func (r *Reconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	log := r.log.WithValues("autoscalingListener", req.NamespacedName)
	l := &v1alpha1.AutoscalingListener{}
	if err := r.kube.Get(ctx, req.NamespacedName, l); err != nil {
		if kerrors.IsNotFound(err) {
			if labels, ok := r.gauges.LoadAndDelete(req.NamespacedName); ok {
				arcruntime.RunningListeners.Delete(labels.(prometheus.Labels))
			}
		}
		return ctrl.Result{}, client.IgnoreNotFound(fmt.Errorf("%s: %w", errGetListener, err))
	}
	if !l.DeletionTimestamp.IsZero() {
		// Owner references take the pod, Secret and RBAC with it.
		return ctrl.Result{}, nil
	}

	cfg, err := arcruntime.ResolveConfig(ctx, r.kube, l.Namespace, l.Spec.ScaleSet.ProviderConfigRef)
	if err != nil {
		return ctrl.Result{}, r.notReady(ctx, l, ReasonConfigError, err)
	}
	secret, err := configSecret(l, cfg)
	if err != nil {
		return ctrl.Result{}, fmt.Errorf("%s: %w", errBuildConfig, err)
	}
	if err := r.apply(ctx, l, secret, func(existing client.Object) { existing.(*corev1.Secret).Data = secret.Data }); err != nil {
		return ctrl.Result{}, err
	}
	sa := serviceAccount(l)
	if err := r.apply(ctx, l, sa, func(client.Object) {}); err != nil {
		return ctrl.Result{}, err
	}
	ro := role(l)
	if err := r.apply(ctx, l, ro, func(existing client.Object) { existing.(*rbacv1.Role).Rules = ro.Rules }); err != nil {
		return ctrl.Result{}, err
	}
	rb := roleBinding(l)
	if err := r.apply(ctx, l, rb, func(existing client.Object) { existing.(*rbacv1.RoleBinding).Subjects = rb.Subjects }); err != nil {
		return ctrl.Result{}, err
	}
	return r.ensurePod(ctx, log, l, arcruntime.Hash(secret.Data[listener.ConfigFileKey]))
}

// errNotTheListeners stops an apply that found an object of its name that
// the listener does not control.
var errNotTheListeners = errors.New("not the listener's")

// apply creates obj owned by l, or brings the fields set by mutate up to
// date on the existing object. An object of that name that l does not control
// (a team's own Role of that name, say) is left as it is: taken over, it would
// lose its rules and go with the listener.
func (r *Reconciler) apply(ctx context.Context, l *v1alpha1.AutoscalingListener, obj client.Object, mutate func(existing client.Object)) error {
	want := obj.DeepCopyObject().(client.Object)
	kind := reflect.TypeOf(obj).Elem().Name()
	_, err := controllerutil.CreateOrUpdate(ctx, r.kube, obj, func() error {
		if obj.GetResourceVersion() != "" && !metav1.IsControlledBy(obj, l) {
			return errNotTheListeners
		}
		mutate(obj)
		lbls := obj.GetLabels()
		if lbls == nil {
			lbls = map[string]string{}
		}
		maps.Copy(lbls, want.GetLabels())
		obj.SetLabels(lbls)
		return controllerutil.SetControllerReference(l, obj, r.kube.Scheme())
	})
	switch {
	case errors.Is(err, errNotTheListeners):
		return r.nameTaken(ctx, l, kind, obj.GetName())
	case kerrors.IsAlreadyExists(err):
		// Not in the cache: one of l's the cache has not shown yet, or (for
		// Secrets, cached by label only) another's.
		holder, herr := arcruntime.NameHolder(ctx, r.live, want, l)
		if herr == nil && holder == arcruntime.HolderOther {
			return r.nameTaken(ctx, l, kind, want.GetName())
		}
	}
	if err != nil {
		return fmt.Errorf(errApply+": %w", kind, err)
	}
	return nil
}

// nameTaken reports an object of the listener's that cannot be made because
// something else holds its name; the reconcile is retried with backoff until
// that object is gone.
func (r *Reconciler) nameTaken(ctx context.Context, l *v1alpha1.AutoscalingListener, kind, name string) error {
	return r.notReady(ctx, l, NameTakenReason(kind), fmt.Errorf("%s %s exists and belongs to something else", kind, name))
}

// ensurePod keeps one listener pod running: it creates the pod, replaces one
// that ended or was started with another config, and reports its phase.
func (r *Reconciler) ensurePod(ctx context.Context, log logging.Logger, l *v1alpha1.AutoscalingListener, configHash string) (ctrl.Result, error) {
	pod := &corev1.Pod{}
	err := r.kube.Get(ctx, types.NamespacedName{Namespace: l.Namespace, Name: PodName(l)}, pod)
	switch {
	case kerrors.IsNotFound(err):
		pod = listenerPod(l, r.image, configHash)
		if err := controllerutil.SetControllerReference(l, pod, r.kube.Scheme()); err != nil {
			return ctrl.Result{}, fmt.Errorf("%s: %w", errCreatePod, err)
		}
		err := r.kube.Create(ctx, pod)
		if kerrors.IsAlreadyExists(err) {
			return r.podNameTaken(ctx, l, pod)
		}
		if err != nil {
			return ctrl.Result{}, fmt.Errorf("%s: %w", errCreatePod, err)
		}
		log.Debug("Created listener pod", "pod", pod.Name)
		return ctrl.Result{}, r.setStatus(ctx, l, pod, corev1.PodPending, ReasonPodPending, "listener pod created", false, false)
	case err != nil:
		return ctrl.Result{}, fmt.Errorf("%s: %w", errGetPod, err)
	case !pod.DeletionTimestamp.IsZero():
		return ctrl.Result{}, nil
	}

	ended := pod.Status.Phase == corev1.PodSucceeded || pod.Status.Phase == corev1.PodFailed
	stale := pod.Annotations[arcruntime.AnnotationConfigHash] != configHash
	if ended || stale {
		reason, msg := ReasonPodEnded, fmt.Sprintf("listener pod %s ended (%s); starting a new one", pod.Name, pod.Status.Phase)
		if !ended {
			reason, msg = ReasonRestarting, "the listener's configuration changed; restarting its pod"
		}
		log.Info("Replacing listener pod", "pod", pod.Name, "phase", pod.Status.Phase, "configChanged", stale)
		if err := arcruntime.DeleteExact(ctx, r.kube, pod); err != nil {
			return ctrl.Result{}, fmt.Errorf("%s: %w", errDeletePod, err)
		}
		return ctrl.Result{}, r.setStatus(ctx, l, pod, pod.Status.Phase, reason, msg, false, ended)
	}
	running := pod.Status.Phase == corev1.PodRunning
	reason, msg := ReasonPodPending, fmt.Sprintf("listener pod %s is %s", pod.Name, pod.Status.Phase)
	if running {
		reason, msg = ReasonPodRunning, fmt.Sprintf("listener pod %s runs", pod.Name)
	}
	return ctrl.Result{}, r.setStatus(ctx, l, pod, pod.Status.Phase, reason, msg, running, false)
}

// podNameTaken deals with a pod of the listener's name that exists although
// the cache shows none: one the cache has not caught up with (its event brings
// us back), or one the provider did not create, which fails the reconcile, to
// be retried with backoff until that pod is gone.
func (r *Reconciler) podNameTaken(ctx context.Context, l *v1alpha1.AutoscalingListener, pod *corev1.Pod) (ctrl.Result, error) {
	holder, err := arcruntime.NameHolder(ctx, r.live, pod, l)
	switch {
	case err != nil:
		return ctrl.Result{}, fmt.Errorf("%s: %w", errGetPod, err)
	case holder == arcruntime.HolderGone:
		// Gone since: create ours.
		return ctrl.Result{RequeueAfter: time.Second}, nil
	case holder == arcruntime.HolderOwner:
		return ctrl.Result{}, nil
	}
	return ctrl.Result{}, r.nameTaken(ctx, l, "Pod", pod.Name)
}

func (r *Reconciler) notReady(ctx context.Context, l *v1alpha1.AutoscalingListener, reason string, cause error) error {
	if err := r.patchStatus(ctx, l, func(s *v1alpha1.AutoscalingListenerStatus) {
		s.SetCondition(metav1.Condition{Type: v1alpha1.ConditionTypeReady, Status: metav1.ConditionFalse, Reason: reason, Message: cause.Error()})
	}); err != nil {
		return err
	}
	return cause
}

func (r *Reconciler) setStatus(ctx context.Context, l *v1alpha1.AutoscalingListener, pod *corev1.Pod, phase corev1.PodPhase, reason, msg string, running, recreated bool) error {
	value := 0.0
	if running {
		value = 1
	}
	labels := arcruntime.ScaleSetLabels(l.Spec.ScaleSet.Name, l.Namespace, l.Spec.GitHubConfigURL)
	r.gauges.Store(types.NamespacedName{Namespace: l.Namespace, Name: l.Name}, labels)
	arcruntime.RunningListeners.With(labels).Set(value)

	c := metav1.Condition{Type: v1alpha1.ConditionTypeReady, Status: metav1.ConditionFalse, Reason: reason, Message: msg}
	if running {
		c.Status = metav1.ConditionTrue
	}
	return r.patchStatus(ctx, l, func(s *v1alpha1.AutoscalingListenerStatus) {
		if recreated {
			s.PodRecreations++
		}
		s.ObservedGeneration = l.Generation
		s.PodName, s.Phase = pod.Name, phase
		s.SetCondition(c)
	})
}

// patchStatus writes the status after change, unless nothing changed.
func (r *Reconciler) patchStatus(ctx context.Context, l *v1alpha1.AutoscalingListener, change func(*v1alpha1.AutoscalingListenerStatus)) error {
	statusOf := func(l *v1alpha1.AutoscalingListener) *v1alpha1.AutoscalingListenerStatus { return &l.Status }
	if err := arcruntime.PatchStatus(ctx, r.kube, l, statusOf, change); err != nil {
		return fmt.Errorf("%s: %w", errUpdateStatus, err)
	}
	return nil
}
