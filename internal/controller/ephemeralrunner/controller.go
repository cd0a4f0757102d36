// Package ephemeralrunner is the controller of EphemeralRunners: one runner
// for one job. It registers the runner with the Actions Service (a JIT
// config, kept in a Secret the runner owns), runs one pod from the full
// template, recreates a failed pod with backoff up to maxPodFailures, and
// removes the runner from the service when it exits or gives up.
package ephemeralrunner

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/crossplane/crossplane-runtime/v2/pkg/logging"
	corev1 "k8s.io/api/core/v1"
	kerrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	ctrlcontroller "sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/predicate"

	"github.com/arc-crossplane/provider-github-arc/apis/runners/v1alpha1"
	"github.com/arc-crossplane/provider-github-arc/internal/clients/actions"
	"github.com/arc-crossplane/provider-github-arc/internal/controller"
	arcruntime "github.com/arc-crossplane/provider-github-arc/internal/controller/runtime"
)

// Finalizer keeps an EphemeralRunner until its runner is removed from the
// service. Its set creates runners with it; this controller adds it to any
// runner created without.
const Finalizer = arcruntime.RunnerFinalizer

// workFolder is the runner's work folder, the runner's own default.
const workFolder = "_work"

const (
	errGetRunner       = "cannot get EphemeralRunner"
	errAddFinalizer    = "cannot add the runner's finalizer"
	errRemFinalizer    = "cannot remove the runner's finalizer"
	errGetSecret       = "cannot get the runner's JIT config Secret"
	errDeleteSecret    = "cannot delete the runner's JIT config Secret"
	errCreateSecret    = "cannot create the runner's JIT config Secret"
	errGenerateJIT     = "cannot register the runner with the Actions Service"
	errCleanupOldName  = "cannot remove the old registration of the runner's name"
	errGetPod          = "cannot get the runner's pod"
	errDeletePod       = "cannot delete the runner's pod"
	errBuildPod        = "cannot build the runner's pod"
	errRemoveRunner    = "cannot remove the runner from the Actions Service"
	errDeleteRunner    = "cannot delete the EphemeralRunner"
	errUpdateStatus    = "cannot update the runner's status"
	errCorruptJITStore = "the runner's JIT config Secret has no runner id"
)

// Reasons of the runner's status and Ready condition.
const (
	ReasonRegistering        = "Registering"
	ReasonRegistered         = "Registered"
	ReasonRunnerNameTaken    = "RunnerNameTaken"
	ReasonPodNameTaken       = "PodNameTaken"
	ReasonSecretNameTaken    = "SecretNameTaken"
	ReasonServiceError       = "ActionsServiceError"
	ReasonPodCreated         = "PodCreated"
	ReasonPodCreateRefused   = "PodCreateRefused"
	ReasonInvalidTemplate    = "InvalidPodTemplate"
	ReasonPodRunning         = "PodRunning"
	ReasonPodFailed          = "PodFailed"
	ReasonBackoff            = "BackOff"
	ReasonTooManyPodFailures = "TooManyPodFailures"
	ReasonJobStillRunning    = "JobStillRunning"
	ReasonCompleted          = "Completed"
)

// Retry periods for waits that no event ends.
const (
	defaultJobStillRunningRetry = 5 * time.Second
	podCreateRefusedRetry       = 10 * time.Second
	// immediateRetry retries at once, after a step that an event does not
	// follow.
	immediateRetry = 100 * time.Millisecond
)

// Config tunes the controller beyond controller.Options; tests shorten the
// waits.
type Config struct {
	// BackoffBase is the first non-zero wait between failed pods; later
	// waits double up to 16 times it. DefaultBackoffBase when zero.
	BackoffBase time.Duration
	// JobStillRunningRetry is how often removal of an exited runner is
	// retried while the service says its job still runs.
	JobStillRunningRetry time.Duration
	// RunningRecordDelay is how long a runner's pod runs without a job
	// before the runner is recorded Running (recordPod says why).
	// DefaultRunningRecordDelay when zero.
	RunningRecordDelay time.Duration
	// PendingRecordDelay is how long a runner's first pod may wait to run
	// before the runner, recorded by nothing yet, is recorded Pending.
	// DefaultPendingRecordDelay when zero.
	PendingRecordDelay time.Duration
	// JobRecordWait is how long a runner whose pod exited 0 before the
	// listener recorded its job waits, deleted, for that record before it
	// is removed from the service (finalize). DefaultJobRecordWait when
	// zero.
	JobRecordWait time.Duration
}

// DefaultRunningRecordDelay is the set's idle grace: only what people read
// waits for the write.
const DefaultRunningRecordDelay = arcruntime.IdleGrace

// DefaultPendingRecordDelay is long enough for a pod that starts as pods do,
// even in a burst, and short enough that a pod that cannot start (no node
// fits, an image that does not pull) shows on its runner soon.
const DefaultPendingRecordDelay = 3 * arcruntime.IdleGrace

// DefaultJobRecordWait covers the listener's record of a short job that
// ended before it came: the record follows the job's start by a message
// and a patch, a few seconds at most when the cluster is busy.
const DefaultJobRecordWait = arcruntime.IdleGrace

// Reconciler reconciles EphemeralRunners.
type Reconciler struct {
	kube client.Client
	// cache reads the JIT config Secrets from the cache alone: the manager's
	// client reads a Secret the cache lacks past it (it holds only the
	// provider's), and every new runner's lookup misses.
	cache client.Reader
	// live reads from the API server, past the cache: what holds a name a
	// create found taken.
	live client.Reader
	// unseenSecrets holds the JIT config Secrets this process wrote that
	// the cache has not shown yet, by runner uid: registering again would
	// remove the registration their pods run with. The create said they
	// exist; read from the API server instead, at every reconcile until the
	// cache caught up, they were up to a third of a read more per runner in a
	// fan-out. After a restart the cache starts with every Secret written
	// before.
	unseenSecrets unseenSecrets
	// deletedSelf holds the uids of the runners this process deleted: a
	// finished runner's next reconcile most often still shows it undeleted
	// (its pod's deletion arrives first, or neither), and finishing it
	// again deleted its pod and itself a second time in a burst.
	deletedSelf arcruntime.UIDSet
	// recorded holds the uids of the runners whose registration this
	// process wrote into the status: a view without it is one from before
	// that write, not a registration to record again (a write more per
	// runner in a burst, which also set its status back to Registered).
	recorded arcruntime.UIDSet
	// finalized holds the uids of the runners whose finalizer this process
	// removed: a view from before shows them still finalizing, and
	// finalizing them again removed them from the service and updated them
	// once more (0.15 removals and PUTs per runner in a burst).
	finalized arcruntime.UIDSet
	// unseenPods holds the runners whose pod this process created and the
	// cache does not show yet.
	unseenPods unseenPods
	// exitedUnrecorded holds the runners whose pod exited 0 before the
	// listener recorded their job, with the time until which their removal
	// from the service waits for that record. A runner that ran its job
	// left the service with it; removed without waiting, such runners
	// (0.01 to 0.19 per job in a fan-out, where the listener's records come
	// late) each cost a call that found nothing to remove.
	exitedUnrecorded uidDeadlines
	newClient        controller.ActionsClientFactory
	log              logging.Logger
	cfg              Config
	now              func() time.Time
}

// Setup adds the EphemeralRunner controller to mgr with ARC's backoff.
func Setup(mgr ctrl.Manager, o controller.Options) error {
	return SetupWithConfig(mgr, o, Config{})
}

// SetupWithConfig adds the EphemeralRunner controller to mgr with cfg.
func SetupWithConfig(mgr ctrl.Manager, o controller.Options, cfg Config) error {
	arcruntime.RegisterMetrics()
	r := NewReconciler(mgr.GetClient(), o, cfg)
	r.cache, r.live = mgr.GetCache(), mgr.GetAPIReader()
	return ctrl.NewControllerManagedBy(mgr).
		Named("ephemeralrunner").
		// What is remembered of a runner goes when the cache has seen it go:
		// until then a view from before can still show it.
		For(&v1alpha1.EphemeralRunner{}, builder.WithPredicates(predicate.Funcs{DeleteFunc: func(e event.DeleteEvent) bool {
			r.forget(e.Object.GetUID())
			return true
		}})).
		Owns(&corev1.Pod{}, builder.WithPredicates(predicate.Funcs{
			CreateFunc: func(e event.CreateEvent) bool { r.unseenPods.observe(e.Object); return true },
			DeleteFunc: func(e event.DeleteEvent) bool { r.unseenPods.observe(e.Object); return true },
		})).
		WithOptions(controllerOptions(o)).
		Complete(r)
}

// controllerOptions are o's controller-runtime options with the runner
// controller's own number of workers.
func controllerOptions(o controller.Options) ctrlcontroller.Options {
	opts := o.ForControllerRuntime()
	if o.RunnerMaxConcurrentReconciles > 0 {
		opts.MaxConcurrentReconciles = o.RunnerMaxConcurrentReconciles
	}
	return opts
}

// NewReconciler returns a Reconciler that works through kube.
func NewReconciler(kube client.Client, o controller.Options, cfg Config) *Reconciler {
	if cfg.BackoffBase <= 0 {
		cfg.BackoffBase = DefaultBackoffBase
	}
	if cfg.JobStillRunningRetry <= 0 {
		cfg.JobStillRunningRetry = defaultJobStillRunningRetry
	}
	if cfg.RunningRecordDelay <= 0 {
		cfg.RunningRecordDelay = DefaultRunningRecordDelay
	}
	if cfg.PendingRecordDelay <= 0 {
		cfg.PendingRecordDelay = DefaultPendingRecordDelay
	}
	if cfg.JobRecordWait <= 0 {
		cfg.JobRecordWait = DefaultJobRecordWait
	}
	log := o.Logger
	if log == nil {
		log = logging.NewNopLogger()
	}
	return &Reconciler{kube: kube, cache: kube, live: kube, newClient: o.ActionsClient(), log: log.WithValues("controller", "ephemeralrunner"), cfg: cfg, now: time.Now}
}

// Reconcile implements reconcile.Reconciler.
func (r *Reconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	res, err := r.reconcile(ctx, req)
	if kerrors.IsConflict(err) {
		// A view a moment old: the cache catches up at once, and the
		// error backoff, growing with every conflict of a busy runner,
		// would only delay it.
		return ctrl.Result{RequeueAfter: immediateRetry}, nil
	}
	return res, err
}

func (r *Reconciler) reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	log := r.log.WithValues("ephemeralRunner", req.NamespacedName)
	er := &v1alpha1.EphemeralRunner{}
	if err := r.kube.Get(ctx, req.NamespacedName, er); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(fmt.Errorf("%s: %w", errGetRunner, err))
	}
	if !er.DeletionTimestamp.IsZero() {
		return r.finalize(ctx, log, er)
	}
	if r.deletedSelf.Has(er.UID) {
		// Deleted by this process; a view from before that shows it still
		// finishing. Its deletion brings us back.
		return ctrl.Result{}, nil
	}
	if controllerutil.AddFinalizer(er, Finalizer) {
		if err := r.kube.Update(ctx, er); err != nil {
			return ctrl.Result{}, fmt.Errorf("%s: %w", errAddFinalizer, err)
		}
	}
	switch er.Status.Phase {
	case v1alpha1.EphemeralRunnerFailed:
		// Removed from the service when it gave up; its set replaces it.
		return ctrl.Result{}, nil
	case v1alpha1.EphemeralRunnerSucceeded:
		return ctrl.Result{}, r.deleteSelf(ctx, er)
	}

	secretName, reg, res, err := r.ensureRegistration(ctx, log, er)
	if err != nil || !res.IsZero() || secretName == "" {
		return res, err
	}

	pod := &corev1.Pod{}
	err = r.kube.Get(ctx, types.NamespacedName{Namespace: er.Namespace, Name: er.Name}, pod)
	switch {
	case kerrors.IsNotFound(err) && arcruntime.RunnerRemoved(er):
		// Finished, or removed by its set, and its pod deleted: a view
		// that has the pod's deletion but not yet the runner's. A new pod
		// would start with a registration the service no longer has.
		return ctrl.Result{}, r.deleteSelf(ctx, er)
	case kerrors.IsNotFound(err):
		return r.createPod(ctx, log, er, secretName, reg)
	case reg != nil && !reg.fresh && r.recorded.Has(er.UID):
		// The status has the registration; this view is from before it
		// did. The status's update brings us back.
		return ctrl.Result{}, nil
	case reg != nil && reg.fresh:
		// Registered just now, yet a pod of the runner's name exists: not
		// one this registration can trust. Record the registration; the
		// next reconcile deals with the pod.
		return ctrl.Result{RequeueAfter: immediateRetry}, r.recordRegistration(ctx, er, reg, func(*v1alpha1.EphemeralRunnerStatus) {})
	case err != nil:
		return ctrl.Result{}, fmt.Errorf("%s: %w", errGetPod, err)
	case !metav1.IsControlledBy(pod, er):
		return r.foreignPod(ctx, er, reg, pod.Name)
	case !pod.DeletionTimestamp.IsZero():
		// The pod's deletion event brings us back.
		return ctrl.Result{}, nil
	}

	// A registration read back from the Secret goes into the status with
	// the runner's next record.
	exit := runnerPodExit(pod)
	switch {
	case exit.succeeded():
		return r.finish(ctx, log, er, pod)
	case exit.done:
		return r.podFailed(ctx, log, er, pod, exit, reg)
	}
	return r.recordPod(ctx, er, pod, reg)
}

// podNameTaken deals with a pod of the runner's name that exists although the
// cache shows none: one the cache has not caught up with, or one the provider
// did not create, which its cache does not hold (arcruntime.ManagerOptions).
func (r *Reconciler) podNameTaken(ctx context.Context, er *v1alpha1.EphemeralRunner, reg *registration, pod *corev1.Pod) (ctrl.Result, error) {
	holder, err := arcruntime.NameHolder(ctx, r.live, pod, er)
	switch {
	case err != nil:
		return ctrl.Result{}, fmt.Errorf("%s: %w", errGetPod, err)
	case holder == arcruntime.HolderGone:
		// Gone since: create it again.
		return ctrl.Result{RequeueAfter: immediateRetry}, nil
	case holder == arcruntime.HolderOther:
		return r.foreignPod(ctx, er, reg, pod.Name)
	}
	// Ours, not in the cache yet: its create event brings us back.
	r.unseenPods.expect(er.UID, r.now())
	return ctrl.Result{RequeueAfter: immediateRetry}, nil
}

// foreignPod says in the status that the pod of the runner's name belongs to
// something else, and looks again later: the runner's pod can be created once
// that one is gone, and no event of a pod the runner does not own says when.
func (r *Reconciler) foreignPod(ctx context.Context, er *v1alpha1.EphemeralRunner, reg *registration, name string) (ctrl.Result, error) {
	return ctrl.Result{RequeueAfter: podCreateRefusedRetry}, r.recordRegistration(ctx, er, reg, nameTaken(ReasonPodNameTaken, "pod", name))
}

// nameTaken is the status of a runner whose pod or JIT config Secret cannot
// be created: what of that name belongs to something else. The runner looks
// again every podCreateRefusedRetry.
func nameTaken(reason, what, name string) func(*v1alpha1.EphemeralRunnerStatus) {
	return func(s *v1alpha1.EphemeralRunnerStatus) {
		s.Phase, s.Reason, s.Ready = v1alpha1.EphemeralRunnerPending, reason, false
		s.Message = fmt.Sprintf("%s %s exists and belongs to something else; retrying every %s", what, name, podCreateRefusedRetry)
		s.SetCondition(readyCondition(false, reason, s.Message))
	}
}

// recordPod writes the state of the runner's live pod, and the registration
// reg if the status lacks it, into the status.
//
// A runner is written when there is something to tell, and most runners
// are written once, by the listener, with the job they took: its record
// says the runner runs, its id and its job (listener's runnerJobPatchFor).
// Custom resource writes are what a burst of runners waits on (a status
// patch costs the API server several times a pod's), and a write that said
// "registered, pod created" for every runner, seconds before the listener's,
// made the burst's runners come about a fifth later. So:
//   - a runner nothing recorded yet is written when its pod has waited
//     PendingRecordDelay to run, or run RunningRecordDelay without a job;
//     until then its set counts it pending, and its JIT config Secret holds
//     its registration;
//   - a running pod is written once it has run for RunningRecordDelay without
//     a job, and a runner recorded Running, by either writer, is not written
//     again while its pod runs. Its Ready condition dates from the write:
//     the set's scale-down counts a runner's idle time from it, and dated
//     from the pod's readiness it would take a runner still waiting for the
//     job a busy service has not handed over yet for idle sooner;
//   - a waiting pod of a runner recorded before (a failed pod's successor)
//     is written at once.
func (r *Reconciler) recordPod(ctx context.Context, er *v1alpha1.EphemeralRunner, pod *corev1.Pod, reg *registration) (ctrl.Result, error) {
	running := pod.Status.Phase == corev1.PodRunning
	if running && er.Status.Phase == v1alpha1.EphemeralRunnerRunning {
		return ctrl.Result{}, nil
	}
	var since time.Time
	var delay time.Duration
	switch {
	case running:
		since, delay = podRunningSince(pod), r.cfg.RunningRecordDelay
	case er.Status.Phase == "":
		since, delay = pod.CreationTimestamp.Time, r.cfg.PendingRecordDelay
	}
	if wait := delay - r.now().Sub(since); wait > 0 {
		return ctrl.Result{RequeueAfter: wait}, nil
	}
	return ctrl.Result{}, r.recordRegistration(ctx, er, reg, podStatus(pod, r.now()))
}

// podRunningSince is when the pod became ready, or started when it does not
// say.
func podRunningSince(pod *corev1.Pod) time.Time {
	for _, c := range pod.Status.Conditions {
		if c.Type == corev1.PodReady && c.Status == corev1.ConditionTrue {
			return c.LastTransitionTime.Time
		}
	}
	if pod.Status.StartTime != nil {
		return pod.Status.StartTime.Time
	}
	return time.Time{}
}

// podStatus writes the state of the runner's live pod into the status. A pod
// waiting to run reads the same as the one just created, so that its
// scheduling is not one more write. A changed Ready condition dates from now.
func podStatus(pod *corev1.Pod, now time.Time) func(*v1alpha1.EphemeralRunnerStatus) {
	phase, reason, msg := v1alpha1.EphemeralRunnerPending, ReasonPodCreated, fmt.Sprintf("pod %s created", pod.Name)
	if pod.Status.Phase == corev1.PodRunning {
		phase, reason, msg = v1alpha1.EphemeralRunnerRunning, ReasonPodRunning, fmt.Sprintf("pod %s runs the runner", pod.Name)
	}
	return func(s *v1alpha1.EphemeralRunnerStatus) {
		s.Phase, s.Reason, s.Message, s.PodName = phase, reason, msg, pod.Name
		s.Ready = phase == v1alpha1.EphemeralRunnerRunning
		c := readyCondition(s.Ready, reason, msg)
		c.LastTransitionTime = metav1.NewTime(now)
		s.SetCondition(c)
	}
}

// registration is a runner's registration that its status does not have
// yet. It is written with the runner's next record (recordPod says when);
// until then the JIT config Secret holds it, and a reconcile that finds the
// Secret without a runner id in the status reads it back from there.
type registration struct {
	id         int64
	name       string
	secretName string
	// fresh is a registration made in this reconcile, not read back from
	// the Secret.
	fresh bool
}

// record writes the registration into s.
func (g *registration) record(s *v1alpha1.EphemeralRunnerStatus) {
	if g == nil {
		return
	}
	s.RunnerID, s.RunnerName, s.RunnerJITConfigSecretName = g.id, g.name, g.secretName
	if s.Phase == "" {
		s.Phase, s.Reason = v1alpha1.EphemeralRunnerPending, ReasonRegistered
		s.Message = fmt.Sprintf("registered as runner %d", g.id)
		s.SetCondition(readyCondition(false, ReasonRegistered, s.Message))
	}
}

// applied is er as its status reads once g is recorded: for the calls that
// need the runner's id before a write records it.
func (g *registration) applied(er *v1alpha1.EphemeralRunner) *v1alpha1.EphemeralRunner {
	if g == nil {
		return er
	}
	c := er.DeepCopy()
	g.record(&c.Status)
	return c
}

// ensureRegistration returns the name of the runner's JIT config Secret,
// registering the runner (one JIT config per runner) when it has none. A
// registration made now is returned for the caller to record.
func (r *Reconciler) ensureRegistration(ctx context.Context, log logging.Logger, er *v1alpha1.EphemeralRunner) (string, *registration, ctrl.Result, error) {
	name := er.Name
	secret, err := r.jitSecret(ctx, er)
	switch {
	case err != nil:
		return "", nil, ctrl.Result{}, err
	case secret != nil && er.Status.RunnerID != 0:
		return name, nil, ctrl.Result{}, nil
	case secret != nil:
		// Registered, and not written into the status yet: the Secret
		// remembers the registration.
		reg, err := registrationIn(secret)
		return name, reg, ctrl.Result{}, err
	}

	ac, err := arcruntime.ActionsClientFor(ctx, r.kube, r.newClient, er.Namespace, er.Spec.ScaleSet.ProviderConfigRef)
	if err != nil {
		return "", nil, ctrl.Result{}, r.serviceError(ctx, er, err)
	}
	runnerName := runnerNameOf(er)
	jit, err := ac.GenerateJITConfig(ctx, int(er.Spec.ScaleSet.ID), runnerName, workFolder)
	if actions.IsRunnerExists(err) {
		// A registration of this name from an earlier attempt whose Secret
		// was never written: remove it and register again.
		log.Info("Runner name already registered; removing the old registration", "runnerName", runnerName)
		if cerr := removeByName(ctx, ac, runnerName); cerr != nil {
			return "", nil, ctrl.Result{}, r.serviceError(ctx, er, fmt.Errorf("%s: %w", errCleanupOldName, cerr))
		}
		return "", nil, ctrl.Result{RequeueAfter: immediateRetry}, r.setStatus(ctx, er, func(s *v1alpha1.EphemeralRunnerStatus) {
			s.Phase, s.Reason = v1alpha1.EphemeralRunnerPending, ReasonRunnerNameTaken
			s.Message = fmt.Sprintf("runner name %s was registered already; removed the old registration, registering again", runnerName)
		})
	}
	if err != nil {
		return "", nil, ctrl.Result{}, r.serviceError(ctx, er, fmt.Errorf("%s: %w", errGenerateJIT, err))
	}

	labels := arcruntime.CommonLabels(arcruntime.ComponentRunnerJITConfig)
	labels[arcruntime.LabelEphemeralRunner] = er.Name
	secret = &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: er.Namespace, Labels: labels},
		Type:       corev1.SecretTypeOpaque,
		Data: map[string][]byte{
			arcruntime.JITConfigKey:  []byte(jit.EncodedJITConfig),
			arcruntime.RunnerIDKey:   []byte(arcruntime.FormatInt64(int64(jit.Runner.ID))),
			arcruntime.RunnerNameKey: []byte(jit.Runner.Name),
		},
	}
	if err := controllerutil.SetControllerReference(er, secret, r.kube.Scheme()); err != nil {
		return "", nil, ctrl.Result{}, fmt.Errorf("%s: %w", errCreateSecret, err)
	}
	taken, err := r.createJITSecret(ctx, er, secret)
	if err != nil {
		return "", nil, ctrl.Result{}, fmt.Errorf("%s: %w", errCreateSecret, err)
	}
	if taken {
		// The registration just made would be left behind.
		if err := ac.RemoveRunner(ctx, int64(jit.Runner.ID)); err != nil {
			return "", nil, ctrl.Result{}, r.serviceError(ctx, er, fmt.Errorf("%s: %w", errRemoveRunner, err))
		}
		return "", nil, ctrl.Result{RequeueAfter: podCreateRefusedRetry}, r.setStatus(ctx, er, nameTaken(ReasonSecretNameTaken, "Secret", secret.Name))
	}
	r.unseenSecrets.add(er.UID, secret)
	log.Debug("Registered runner", "runnerId", jit.Runner.ID, "runnerName", jit.Runner.Name)
	return name, &registration{id: int64(jit.Runner.ID), name: jit.Runner.Name, secretName: name, fresh: true}, ctrl.Result{}, nil
}

// createJITSecret creates the runner's JIT config Secret want. One of its
// name that the cache did not show and the runner owns was written before this
// process's cache saw it, with a registration the service no longer has
// (registering the name again would have failed): its pod must start with
// want's. One that belongs to something else is left alone, and taken is
// true: its data must not reach the runner's pod.
func (r *Reconciler) createJITSecret(ctx context.Context, er *v1alpha1.EphemeralRunner, want *corev1.Secret) (taken bool, err error) {
	if err := r.kube.Create(ctx, want); !kerrors.IsAlreadyExists(err) {
		return false, err
	}
	cur := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: want.Name, Namespace: want.Namespace}}
	holder, err := arcruntime.NameHolder(ctx, r.live, cur, er)
	switch {
	case err != nil:
		return false, fmt.Errorf("%s: %w", errGetSecret, err)
	case holder == arcruntime.HolderGone:
		return false, fmt.Errorf("%s: %s is gone", errGetSecret, want.Name)
	case holder == arcruntime.HolderOther:
		return true, nil
	}
	cur.Data = want.Data
	return false, r.kube.Update(ctx, cur)
}

// jitSecret is the runner's JIT config Secret, nil when there is none.
func (r *Reconciler) jitSecret(ctx context.Context, er *v1alpha1.EphemeralRunner) (*corev1.Secret, error) {
	secret := &corev1.Secret{}
	err := r.cache.Get(ctx, types.NamespacedName{Namespace: er.Namespace, Name: er.Name}, secret)
	switch {
	case err == nil:
		// From now on the cache tells, its deletion included.
		r.unseenSecrets.seen(er.UID)
		return secret, nil
	case !kerrors.IsNotFound(err):
		return nil, fmt.Errorf("%s: %w", errGetSecret, err)
	}
	if written, ok := r.unseenSecrets.get(er.UID); ok {
		return written, nil
	}
	return nil, nil
}

// registrationIn is the registration a runner's JIT config Secret holds.
func registrationIn(secret *corev1.Secret) (*registration, error) {
	id, err := strconv.ParseInt(string(secret.Data[arcruntime.RunnerIDKey]), 10, 64)
	if err != nil || id == 0 {
		return nil, fmt.Errorf("%s %s", errCorruptJITStore, secret.Name)
	}
	return &registration{id: id, name: string(secret.Data[arcruntime.RunnerNameKey]), secretName: secret.Name}, nil
}

// createPod creates the runner's pod, once the backoff after the last
// failed pod has passed, unless the pod this process created last is not in
// the cache yet.
func (r *Reconciler) createPod(ctx context.Context, log logging.Logger, er *v1alpha1.EphemeralRunner, secretName string, reg *registration) (ctrl.Result, error) {
	if wait := r.unseenPods.wait(er.UID, r.now()); wait > 0 {
		// Created by this process a moment ago, not in the cache yet: its
		// create event brings us back. The timeout is for an event that
		// never comes.
		return ctrl.Result{RequeueAfter: wait}, nil
	}
	if wait := nextPodAt(&er.Status, r.cfg.BackoffBase).Sub(r.now()); wait > 0 {
		return ctrl.Result{RequeueAfter: wait}, r.recordRegistration(ctx, er, reg, func(s *v1alpha1.EphemeralRunnerStatus) {
			s.Phase, s.Reason, s.Ready = v1alpha1.EphemeralRunnerPending, ReasonBackoff, false
			s.Message = fmt.Sprintf("%d pods failed; the next starts in %s", s.Failures, wait.Round(time.Second))
			s.SetCondition(readyCondition(false, ReasonBackoff, s.Message))
		})
	}
	pod, err := newRunnerPod(er, secretName)
	if err != nil {
		// Only a new template helps; the runner's spec change requeues it.
		return ctrl.Result{}, r.recordRegistration(ctx, er, reg, func(s *v1alpha1.EphemeralRunnerStatus) {
			s.Phase, s.Reason, s.Message = v1alpha1.EphemeralRunnerPending, ReasonInvalidTemplate, fmt.Sprintf("%s: %v", errBuildPod, err)
			s.SetCondition(readyCondition(false, ReasonInvalidTemplate, s.Message))
		})
	}
	if err := controllerutil.SetControllerReference(er, pod, r.kube.Scheme()); err != nil {
		return ctrl.Result{}, fmt.Errorf("%s: %w", errBuildPod, err)
	}
	r.unseenPods.expect(er.UID, r.now())
	err = r.kube.Create(ctx, pod)
	if err != nil {
		r.unseenPods.seen(er.UID)
	}
	switch {
	case kerrors.IsAlreadyExists(err):
		return r.podNameTaken(ctx, er, reg, pod)
	case kerrors.IsForbidden(err) || kerrors.IsInvalid(err):
		// A ResourceQuota (or an admission policy) refused the pod: that is
		// not a failure of the runner; retry, and say why in the status.
		log.Info("Pod creation refused", "error", err.Error())
		return ctrl.Result{RequeueAfter: podCreateRefusedRetry}, r.recordRegistration(ctx, er, reg, func(s *v1alpha1.EphemeralRunnerStatus) {
			s.Phase, s.Reason, s.Ready = v1alpha1.EphemeralRunnerPending, ReasonPodCreateRefused, false
			s.Message = fmt.Sprintf("the API server refused the pod, retrying: %s", arcruntime.FirstLine(err.Error()))
			s.SetCondition(readyCondition(false, ReasonPodCreateRefused, s.Message))
		})
	case err != nil:
		return ctrl.Result{}, fmt.Errorf("cannot create the runner's pod: %w", err)
	case er.Status.Phase == "":
		// Nothing to tell yet (recordPod says when there is).
		return ctrl.Result{}, nil
	}
	return ctrl.Result{}, r.recordRegistration(ctx, er, reg, podStatus(pod, r.now()))
}

// recordRegistration writes reg, if any, into the status with change, and
// remembers that it did.
func (r *Reconciler) recordRegistration(ctx context.Context, er *v1alpha1.EphemeralRunner, reg *registration, change func(*v1alpha1.EphemeralRunnerStatus), opts ...client.MergeFromOption) error {
	if err := r.setStatus(ctx, er, func(s *v1alpha1.EphemeralRunnerStatus) {
		reg.record(s)
		change(s)
	}, opts...); err != nil {
		return err
	}
	if reg != nil {
		r.recorded.Add(er.UID)
	}
	return nil
}

// podFailed records a failed pod and deletes it; the next pod follows after
// the backoff, or, past maxPodFailures, the runner gives up: it is removed
// from the service and marked Failed for its set to replace.
func (r *Reconciler) podFailed(ctx context.Context, log logging.Logger, er *v1alpha1.EphemeralRunner, pod *corev1.Pod, exit podExit, reg *registration) (ctrl.Result, error) {
	if !failureRecorded(&er.Status, pod) {
		f := v1alpha1.PodFailure{PodName: pod.Name, FailedAt: metav1.NewTime(r.now()), ExitCode: exit.exitCode, Reason: exit.reason, Message: failureMessage(pod, exit)}
		// Only the status remembers the failures: the patch carries the
		// resourceVersion it was computed from, so a stale view is refused
		// with a conflict rather than written over newer counts.
		if err := r.recordRegistration(ctx, er, reg, func(s *v1alpha1.EphemeralRunnerStatus) {
			s.RecordPodFailure(f)
			s.Phase, s.Reason, s.Ready = v1alpha1.EphemeralRunnerPending, ReasonPodFailed, false
			s.Message = fmt.Sprintf("pod %s failed (%s); %d of %d failures allowed", pod.Name, describeExit(exit), s.Failures, maxPodFailures(er))
			s.SetCondition(readyCondition(false, ReasonPodFailed, s.Message))
		}, client.MergeFromWithOptimisticLock{}); err != nil {
			return ctrl.Result{}, err
		}
		reg = nil // recorded with the failure
		log.Info("Runner pod failed", "pod", pod.Name, "failures", er.Status.Failures, "exitCode", exitCodeValue(exit))
	}
	if er.GaveUp() {
		if err := r.removeFromService(ctx, reg.applied(er)); err != nil {
			return ctrl.Result{}, r.serviceError(ctx, er, err)
		}
		if err := r.recordRegistration(ctx, er, reg, func(s *v1alpha1.EphemeralRunnerStatus) {
			s.Phase, s.Reason, s.Ready = v1alpha1.EphemeralRunnerFailed, ReasonTooManyPodFailures, false
			s.Message = fmt.Sprintf("gave up after %d failed pods; removed from the service, its set replaces it", s.Failures)
			s.SetCondition(readyCondition(false, ReasonTooManyPodFailures, s.Message))
		}); err != nil {
			return ctrl.Result{}, err
		}
	}
	// The pods of a runner share its name: the uid makes sure a stale view
	// of a failed pod never deletes its successor.
	if err := arcruntime.DeleteExact(ctx, r.kube, pod); err != nil {
		return ctrl.Result{}, fmt.Errorf("%s: %w", errDeletePod, err)
	}
	return ctrl.Result{}, nil
}

// failureRecorded tells whether the pod's failure is in the status already.
// The pods of a runner share its name, and times in the status have second
// precision, so a failure is told by the pod's uid, which its message
// carries.
func failureRecorded(s *v1alpha1.EphemeralRunnerStatus, pod *corev1.Pod) bool {
	if len(s.PodFailures) == 0 {
		return false
	}
	last := s.PodFailures[len(s.PodFailures)-1]
	return last.PodName == pod.Name && strings.HasPrefix(last.Message, podUIDPrefix(pod))
}

func podUIDPrefix(pod *corev1.Pod) string { return "pod uid " + string(pod.UID) }

// failureMessage says what happened to the pod, led by its uid.
func failureMessage(pod *corev1.Pod, exit podExit) string {
	if exit.message == "" {
		return podUIDPrefix(pod)
	}
	return podUIDPrefix(pod) + ": " + exit.message
}

// finish handles a runner that exited 0: its pod is deleted at once, then the
// runner itself. A runner that ran its job left the service with it; one
// whose job is not recorded yet is removed from the service by its
// finalizer, after a wait for the record (finalize).
func (r *Reconciler) finish(ctx context.Context, log logging.Logger, er *v1alpha1.EphemeralRunner, pod *corev1.Pod) (ctrl.Result, error) {
	// A runner that ran a job and exited 0 is done with it, and the service
	// removed its record when the job completed (an ephemeral runner runs
	// one job; PROTOCOL.md §5.6).
	if er.Status.JobRecorded() {
		arcruntime.RunnerLeftWithItsJob(er)
	} else if !arcruntime.RunnerRemoved(er) && !r.exitedUnrecorded.has(er.UID) {
		r.exitedUnrecorded.set(er.UID, r.now().Add(r.cfg.JobRecordWait))
	}
	// The API server removes a pod that ended at once. Left to the garbage
	// collector after its owner, a burst's finished pods went one by one,
	// tens of seconds late.
	if err := r.kube.Delete(ctx, pod); client.IgnoreNotFound(err) != nil {
		return ctrl.Result{}, fmt.Errorf("%s: %w", errDeletePod, err)
	}
	log.Debug("Runner completed", "runnerId", er.Status.RunnerID, "jobId", er.Status.JobID)
	return ctrl.Result{}, r.deleteSelf(ctx, er)
}

func (r *Reconciler) deleteSelf(ctx context.Context, er *v1alpha1.EphemeralRunner) error {
	if err := r.kube.Delete(ctx, er); client.IgnoreNotFound(err) != nil {
		return fmt.Errorf("%s: %w", errDeleteRunner, err)
	}
	r.deletedSelf.Add(er.UID)
	return nil
}

// finalize removes the runner from the service unless it left already, and
// waits while the service says it runs a job, or for the record of the job
// of a runner that exited before it came. Its JIT config Secret goes first,
// its pod with it (owner reference).
func (r *Reconciler) finalize(ctx context.Context, log logging.Logger, er *v1alpha1.EphemeralRunner) (ctrl.Result, error) {
	if !controllerutil.ContainsFinalizer(er, Finalizer) || r.finalized.Has(er.UID) {
		return ctrl.Result{}, nil
	}
	left := er.Status.Phase == v1alpha1.EphemeralRunnerSucceeded || er.Status.Phase == v1alpha1.EphemeralRunnerFailed ||
		arcruntime.RunnerRemoved(er)
	if !left && r.exitedUnrecorded.has(er.UID) {
		if er.Status.JobRecorded() {
			arcruntime.RunnerLeftWithItsJob(er)
			left = true
		} else if wait := r.exitedUnrecorded.remaining(er.UID, r.now()); wait > 0 {
			// The listener's record, a status update, brings us back.
			log.Debug("Runner exited before its job was recorded; waiting for the record", "wait", wait)
			return ctrl.Result{RequeueAfter: wait}, nil
		}
	}
	if er.Status.RunnerID == 0 && !left {
		// Registered without its id in the status yet: its Secret has it.
		secret, err := r.jitSecret(ctx, er)
		if err != nil {
			return ctrl.Result{}, err
		}
		// A Secret without a readable id leaves the lookup by name below.
		if secret != nil {
			if reg, err := registrationIn(secret); err == nil {
				er = reg.applied(er)
			}
		}
	}
	if er.Status.RunnerID == 0 && !left {
		// The runner may be registered (its JIT config generated) without
		// a Secret yet: deleted right then, it would stay registered at the
		// service. Its name finds it. Without credentials (its
		// configuration deleted first) it is let go: most such runners never
		// registered.
		ac, err := arcruntime.ActionsClientFor(ctx, r.kube, r.newClient, er.Namespace, er.Spec.ScaleSet.ProviderConfigRef)
		if err != nil {
			log.Info("Cannot check the service for a runner deleted before its registration was recorded", "error", err.Error())
		} else if err := removeByName(ctx, ac, runnerNameOf(er)); err != nil {
			return ctrl.Result{}, fmt.Errorf("%s: %w", errRemoveRunner, err)
		}
	}
	if er.Status.RunnerID != 0 && !left {
		if err := r.removeFromService(ctx, er); err != nil {
			if actions.IsJobStillRunning(err) {
				log.Debug("Runner being deleted still runs a job; waiting", "runnerId", er.Status.RunnerID)
				msg := "deleted while it runs a job; it goes when the job ends"
				if r.exitedUnrecorded.has(er.UID) {
					msg = "the runner exited, but the service says its job still runs; retrying its removal"
				}
				return ctrl.Result{RequeueAfter: r.cfg.JobStillRunningRetry}, r.setStatus(ctx, er, func(s *v1alpha1.EphemeralRunnerStatus) {
					s.Reason, s.Message = ReasonJobStillRunning, msg
				})
			}
			return ctrl.Result{}, err
		}
	}
	if err := r.deleteJITSecret(ctx, er); err != nil {
		return ctrl.Result{}, err
	}
	controllerutil.RemoveFinalizer(er, Finalizer)
	if err := r.kube.Update(ctx, er); client.IgnoreNotFound(err) != nil {
		return ctrl.Result{}, fmt.Errorf("%s: %w", errRemFinalizer, err)
	}
	r.finalized.Add(er.UID)
	return ctrl.Result{}, nil
}

// deleteJITSecret deletes the runner's JIT config Secret, the registration it
// no longer has, before the runner goes. Left to the garbage collector, each
// one cost a read more (the collector reads a dependent before deleting it),
// and a finished runner's registration stayed in the cluster until the
// collector got to it.
func (r *Reconciler) deleteJITSecret(ctx context.Context, er *v1alpha1.EphemeralRunner) error {
	secret, err := r.jitSecret(ctx, er)
	if err != nil || secret == nil || !metav1.IsControlledBy(secret, er) {
		return err
	}
	if err := arcruntime.DeleteExact(ctx, r.kube, secret); err != nil {
		return fmt.Errorf("%s: %w", errDeleteSecret, err)
	}
	return nil
}

// forget drops what this process remembers of the runner of uid.
func (r *Reconciler) forget(uid types.UID) {
	arcruntime.ForgetRunner(uid)
	r.unseenSecrets.seen(uid)
	r.deletedSelf.Delete(uid)
	r.recorded.Delete(uid)
	r.finalized.Delete(uid)
	r.unseenPods.seen(uid)
	r.exitedUnrecorded.drop(uid)
}

// removeFromService removes the runner from the service, unless this process
// did already (its set's scale-down, or an earlier step of its own that a
// stale cache replays).
func (r *Reconciler) removeFromService(ctx context.Context, er *v1alpha1.EphemeralRunner) error {
	if arcruntime.RunnerRemoved(er) {
		return nil
	}
	ac, err := arcruntime.ActionsClientFor(ctx, r.kube, r.newClient, er.Namespace, er.Spec.ScaleSet.ProviderConfigRef)
	if err != nil {
		return err
	}
	if err := arcruntime.RemoveRunner(ctx, ac, er); err != nil {
		return fmt.Errorf("%s: %w", errRemoveRunner, err)
	}
	return nil
}

// serviceError shows err in the status and returns it, so the request is
// retried with backoff.
func (r *Reconciler) serviceError(ctx context.Context, er *v1alpha1.EphemeralRunner, err error) error {
	if serr := r.setStatus(ctx, er, func(s *v1alpha1.EphemeralRunnerStatus) {
		s.Reason, s.Message = ReasonServiceError, arcruntime.FirstLine(err.Error())
		s.SetCondition(readyCondition(false, ReasonServiceError, s.Message))
	}); serr != nil {
		r.log.Debug("Cannot record the error in the status", "error", serr.Error())
	}
	return err
}

// setStatus merge-patches the status after change: only the fields this
// controller changed are sent, so the job fields the listener patches are
// never overwritten. What it writes is read from the world (the pod, the
// service), so a write from a view a moment old is corrected by the next;
// what only the status remembers is written with
// client.MergeFromWithOptimisticLock among opts.
func (r *Reconciler) setStatus(ctx context.Context, er *v1alpha1.EphemeralRunner, change func(*v1alpha1.EphemeralRunnerStatus), opts ...client.MergeFromOption) error {
	statusOf := func(er *v1alpha1.EphemeralRunner) *v1alpha1.EphemeralRunnerStatus { return &er.Status }
	if err := arcruntime.PatchStatus(ctx, r.kube, er, statusOf, change, opts...); err != nil {
		return fmt.Errorf("%s: %w", errUpdateStatus, err)
	}
	return nil
}

func removeByName(ctx context.Context, ac actions.Client, name string) error {
	old, err := ac.GetRunnerByName(ctx, name)
	if actions.IsNotFound(err) || (err == nil && old == nil) {
		return nil
	}
	if err != nil {
		return err
	}
	return ac.RemoveRunner(ctx, int64(old.ID))
}

func runnerNameOf(er *v1alpha1.EphemeralRunner) string {
	if er.Spec.RunnerName != "" {
		return er.Spec.RunnerName
	}
	return er.Name
}

func maxPodFailures(er *v1alpha1.EphemeralRunner) int32 {
	if er.Spec.MaxPodFailures > 0 {
		return er.Spec.MaxPodFailures
	}
	return v1alpha1.DefaultMaxPodFailures
}

func readyCondition(ready bool, reason, msg string) metav1.Condition {
	c := metav1.Condition{Type: v1alpha1.ConditionTypeReady, Status: metav1.ConditionFalse, Reason: reason, Message: msg}
	if ready {
		c.Status = metav1.ConditionTrue
	}
	return c
}

func describeExit(e podExit) string {
	s := e.reason
	if e.exitCode != nil {
		s = fmt.Sprintf("%s, exit code %d", s, *e.exitCode)
	}
	if e.message != "" {
		s += ": " + e.message
	}
	return s
}

func exitCodeValue(e podExit) int32 {
	if e.exitCode == nil {
		return -1
	}
	return *e.exitCode
}
