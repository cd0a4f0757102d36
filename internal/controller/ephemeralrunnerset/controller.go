// Package ephemeralrunnerset is the controller of EphemeralRunnerSets: it
// keeps spec.replicas EphemeralRunners for one runner scale set, creating them
// in parallel on scale-up, removing only idle runners (from the
// service first) on scale-down, replacing runners that gave up, and waiting
// for busy runners when the set is deleted.
package ephemeralrunnerset

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/crossplane/crossplane-runtime/v2/pkg/logging"
	"golang.org/x/sync/errgroup"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	"github.com/arc-crossplane/provider-github-arc/apis/runners/v1alpha1"
	"github.com/arc-crossplane/provider-github-arc/internal/clients/actions"
	"github.com/arc-crossplane/provider-github-arc/internal/controller"
	"github.com/arc-crossplane/provider-github-arc/internal/controller/ephemeralrunner"
	arcruntime "github.com/arc-crossplane/provider-github-arc/internal/controller/runtime"
)

// Finalizer keeps a set until its runners are gone from the service.
const Finalizer = "runners.arc.crossplane.io/ephemeral-runner-set"

const (
	errGetSet        = "cannot get EphemeralRunnerSet"
	errListRunners   = "cannot list the set's EphemeralRunners"
	errListPods      = "cannot list the set's runner pods"
	errAddFinalizer  = "cannot add the set's finalizer"
	errRemFinalizer  = "cannot remove the set's finalizer"
	errCreateRunners = "cannot create EphemeralRunners"
	errDeleteRunner  = "cannot delete EphemeralRunner"
	errRemoveRunner  = "cannot remove runner from the service"
	errScaleDown     = "cannot scale down"
	errUpdateStatus  = "cannot update the set's status"
)

// Condition reasons of the set's Ready condition.
const (
	ReasonScaled        = "Scaled"
	ReasonScaling       = "Scaling"
	ReasonScaleFailed   = "ScaleFailed"
	ReasonServiceError  = "ActionsServiceError"
	ReasonDeleting      = "Deleting"
	ReasonWaitingOnBusy = "WaitingForBusyRunners"
)

// Creation starts slow, as a ReplicaSet's: the first batch is small, so a
// broken template fails fast; the rest are created in parallel, so a burst of
// a thousand runners takes one reconcile, not a thousand.
const (
	initialCreateBatch = 10
	maxParallelCreates = 100
	// maxParallelRemovals bounds concurrent RemoveRunner calls on scale-down.
	maxParallelRemovals = 20
	// deletionPoll is how often a deleting set checks on busy runners
	// besides the events of its runners.
	deletionPoll = 5 * time.Second
)

// Reconciler reconciles EphemeralRunnerSets.
type Reconciler struct {
	kube client.Client
	// live reads the set past the cache before runners are created for it
	// (targetMoved); nil trusts the cache's view.
	live      client.Reader
	newClient controller.ActionsClientFactory
	log       logging.Logger
	expect    *expectations
	statuses  *statusWrites
	now       func() time.Time
}

// Setup adds the EphemeralRunnerSet controller to mgr.
func Setup(mgr ctrl.Manager, o controller.Options) error {
	arcruntime.RegisterMetrics()
	log := o.Logger
	if log == nil {
		log = logging.NewNopLogger()
	}
	r := &Reconciler{kube: mgr.GetClient(), live: mgr.GetAPIReader(), newClient: o.ActionsClient(), log: log.WithValues("controller", "ephemeralrunnerset"), expect: newExpectations(), statuses: newStatusWrites(), now: time.Now}
	return ctrl.NewControllerManagedBy(mgr).
		Named("ephemeralrunnerset").
		For(&v1alpha1.EphemeralRunnerSet{}).
		Owns(&v1alpha1.EphemeralRunner{}).
		WithOptions(o.ForControllerRuntime()).
		Complete(r)
}

// Reconcile implements reconcile.Reconciler.
func (r *Reconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	log := r.log.WithValues("ephemeralRunnerSet", req.NamespacedName)
	set := &v1alpha1.EphemeralRunnerSet{}
	if err := r.kube.Get(ctx, req.NamespacedName, set); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(fmt.Errorf("%s: %w", errGetSet, err))
	}
	runners, err := r.ownedRunners(ctx, set)
	if err != nil {
		return ctrl.Result{}, err
	}
	pods, err := r.runnerPods(ctx, set)
	if err != nil {
		return ctrl.Result{}, err
	}
	state := newRunnerState(runners, pods, r.expect.unseen(set.UID, runners, time.Now()))

	if !set.DeletionTimestamp.IsZero() {
		return r.delete(ctx, log, set, state)
	}
	if controllerutil.AddFinalizer(set, Finalizer) {
		if err := r.kube.Update(ctx, set); err != nil {
			return ctrl.Result{}, fmt.Errorf("%s: %w", errAddFinalizer, err)
		}
	}

	// Failed runners were removed from the service when they gave up; the
	// set counts them in this reconcile's status and replaces them.
	if err := r.deleteRunners(ctx, append(state.failed, state.succeeded...)); err != nil {
		return ctrl.Result{}, err
	}

	plan := planScale(set.Spec.Replicas, set.Spec.RunningJobs, set.Spec.PatchID, state)
	if plan.create > 0 && r.targetMoved(ctx, log, set) {
		// The listener patched the set since this view of it: its event
		// brings the reconcile that answers the newer target.
		return ctrl.Result{}, nil
	}
	var scaleErr error
	if plan.create > 0 {
		log.Debug("Creating runners", "count", plan.create, "replicas", set.Spec.Replicas, "runningJobs", set.Spec.RunningJobs, "patchID", set.Spec.PatchID, "unseen", state.unseenCreates)
		if err := r.createRunners(ctx, set, plan.create); err != nil {
			scaleErr = fmt.Errorf("%s: %w", errCreateRunners, err)
		}
	}
	var result ctrl.Result
	if plan.removeIdle > 0 && scaleErr == nil {
		candidates, settles := idleCandidates(state, time.Now().Add(-arcruntime.IdleGrace), set.Spec.PatchID == 0)
		if len(candidates) > 0 {
			// Runners over the target while none is idle long enough are
			// the rule while jobs end (their runners exit by themselves): a
			// line per reconcile would say nothing was removed.
			log.Debug("Removing idle runners", "count", min(plan.removeIdle, len(candidates)), "over", plan.removeIdle, "candidates", len(candidates), "replicas", set.Spec.Replicas, "patchID", set.Spec.PatchID)
		}
		removed, err := r.removeIdle(ctx, set, candidates, plan.removeIdle)
		if err != nil {
			scaleErr = fmt.Errorf("%s: %w", errScaleDown, err)
		}
		if removed < plan.removeIdle && !settles.IsZero() {
			// The patch stays unanswered: the next look plans again.
			result.RequeueAfter = time.Until(settles.Add(arcruntime.IdleGrace)) + time.Second
		}
	}
	wait, err := r.updateStatus(ctx, set, state, plan, scaleErr)
	if err != nil {
		return ctrl.Result{}, errors.Join(scaleErr, err)
	}
	if wait > 0 && (result.RequeueAfter == 0 || wait < result.RequeueAfter) {
		result.RequeueAfter = wait
	}
	return result, scaleErr
}

// targetMoved tells whether the set has a newer generation than the cache's
// view of it. Runners are created for the view's replicas, counted against
// runners whose exits the cache may show sooner than the listener's later
// patches: while a busy set's jobs end, its watch lagged the listener by a
// patch or two, and the set made up for jobs that had ended since (14
// runners for a target already down to 6 in one fan-out), each one a
// registration, a Secret and a pod that idled for its grace and went. One
// read per creating reconcile is cheap beside that. A failed read leaves the
// view's target.
func (r *Reconciler) targetMoved(ctx context.Context, log logging.Logger, set *v1alpha1.EphemeralRunnerSet) bool {
	if r.live == nil {
		return false
	}
	cur := &v1alpha1.EphemeralRunnerSet{}
	if err := r.live.Get(ctx, client.ObjectKeyFromObject(set), cur); err != nil {
		log.Debug("Cannot read the set past the cache; creating runners for the cached target", "error", err.Error())
		return false
	}
	return cur.Generation > set.Generation
}

// ownedRunners lists the EphemeralRunners the set controls. They are the
// cache's own objects, not copies: copying every runner on every reconcile
// was a third of the provider's CPU in a burst of a thousand. The reconcile
// only reads them (and deletes some, which leaves the object as it is): it
// must never change one.
func (r *Reconciler) ownedRunners(ctx context.Context, set *v1alpha1.EphemeralRunnerSet) ([]v1alpha1.EphemeralRunner, error) {
	list := &v1alpha1.EphemeralRunnerList{}
	if err := r.kube.List(ctx, list, client.InNamespace(set.Namespace), client.MatchingLabels{arcruntime.LabelEphemeralRunnerSet: set.Name}, client.UnsafeDisableDeepCopy); err != nil {
		return nil, fmt.Errorf("%s: %w", errListRunners, err)
	}
	owned := list.Items[:0]
	for _, er := range list.Items {
		if ref := metav1.GetControllerOf(&er); ref != nil && ref.UID == set.UID {
			owned = append(owned, er)
		}
	}
	return owned, nil
}

// runnerPods tells, by runner name, what the cache shows of the set's
// runner pods: whether one ended well, by the runner controller's rule, or
// runs.
func (r *Reconciler) runnerPods(ctx context.Context, set *v1alpha1.EphemeralRunnerSet) (func(string) podState, error) {
	pods := &corev1.PodList{}
	if err := r.kube.List(ctx, pods, client.InNamespace(set.Namespace), client.MatchingLabels{arcruntime.LabelEphemeralRunnerSet: set.Name}, client.UnsafeDisableDeepCopy); err != nil {
		return nil, fmt.Errorf("%s: %w", errListPods, err)
	}
	states := map[string]podState{}
	for i := range pods.Items {
		p := &pods.Items[i]
		name := p.Labels[arcruntime.LabelEphemeralRunner]
		switch {
		case ephemeralrunner.PodSucceeded(p):
			states[name] = podExited
		case p.Status.Phase == corev1.PodRunning && states[name] != podExited:
			states[name] = podRunning
		}
	}
	return func(name string) podState { return states[name] }, nil
}

// createRunners creates n EphemeralRunners: first a small batch, so that a
// broken template fails fast, then the rest with up to maxParallelCreates
// at a time. It stops at the first error.
func (r *Reconciler) createRunners(ctx context.Context, set *v1alpha1.EphemeralRunnerSet, n int) error {
	first := min(n, initialCreateBatch)
	if err := r.createInParallel(ctx, set, first, first); err != nil {
		return err
	}
	return r.createInParallel(ctx, set, n-first, maxParallelCreates)
}

// createInParallel creates n runners, up to workers at a time, each next
// create starting as soon as one returns (batches that waited for their
// slowest create took twice as long in a burst). It starts none after an
// error.
func (r *Reconciler) createInParallel(ctx context.Context, set *v1alpha1.EphemeralRunnerSet, n, workers int) error {
	var g errgroup.Group
	g.SetLimit(workers)
	var failed atomic.Bool
	for range n {
		if failed.Load() {
			break
		}
		g.Go(func() error {
			err := r.createRunner(ctx, set)
			if err != nil {
				failed.Store(true)
			}
			return err
		})
	}
	return g.Wait()
}

// createRunner creates one runner of the set and expects to see it.
func (r *Reconciler) createRunner(ctx context.Context, set *v1alpha1.EphemeralRunnerSet) error {
	er, err := newEphemeralRunner(set, r.kube.Scheme())
	if err != nil {
		return err
	}
	if err := r.kube.Create(ctx, er); err != nil {
		return err
	}
	r.expect.created(set.UID, er.Name, set.Spec.PatchID, time.Now())
	return nil
}

// removeIdle removes up to n of the candidates from the service, each then
// deleted, in parallel rounds. A candidate the service says runs a job is
// skipped: it stays until it ends by itself. It returns how many went.
func (r *Reconciler) removeIdle(ctx context.Context, set *v1alpha1.EphemeralRunnerSet, candidates []*v1alpha1.EphemeralRunner, n int) (int, error) {
	if len(candidates) == 0 {
		return 0, nil
	}
	ac, err := arcruntime.ActionsClientFor(ctx, r.kube, r.newClient, set.Namespace, set.Spec.ScaleSet.ProviderConfigRef)
	if err != nil {
		return 0, err
	}
	removed := 0
	var errs []error
	for len(candidates) > 0 && removed < n {
		size := min(n-removed, len(candidates), maxParallelRemovals)
		round := candidates[:size]
		candidates = candidates[size:]
		ok := make([]bool, size)
		roundErrs := make([]error, size)
		var wg sync.WaitGroup
		for i, er := range round {
			wg.Go(func() { ok[i], roundErrs[i] = r.removeFromServiceAndDelete(ctx, ac, er) })
		}
		wg.Wait()
		for i := range round {
			if ok[i] {
				removed++
			}
		}
		errs = append(errs, roundErrs...)
	}
	return removed, errors.Join(errs...)
}

// removeFromServiceAndDelete removes an idle runner from the service and then
// deletes its EphemeralRunner. It reports false, without error, when the
// service says the runner runs a job.
func (r *Reconciler) removeFromServiceAndDelete(ctx context.Context, ac actions.Client, er *v1alpha1.EphemeralRunner) (bool, error) {
	if er.Status.RunnerID != 0 {
		if err := arcruntime.RemoveRunner(ctx, ac, er); err != nil {
			if actions.IsJobStillRunning(err) {
				arcruntime.RunnerBusy(er)
				return false, nil
			}
			return false, fmt.Errorf("%s %s: %w", errRemoveRunner, er.Name, err)
		}
	}
	if err := r.kube.Delete(ctx, er); client.IgnoreNotFound(err) != nil {
		return false, fmt.Errorf("%s %s: %w", errDeleteRunner, er.Name, err)
	}
	r.expectDeleted(er)
	return true, nil
}

func (r *Reconciler) deleteRunners(ctx context.Context, runners []*v1alpha1.EphemeralRunner) error {
	var errs []error
	for _, er := range runners {
		if err := r.kube.Delete(ctx, er); client.IgnoreNotFound(err) != nil {
			errs = append(errs, fmt.Errorf("%s %s: %w", errDeleteRunner, er.Name, err))
			continue
		}
		r.expectDeleted(er)
	}
	return errors.Join(errs...)
}

// expectDeleted records the deletion of one of the set's runners (its controller
// is the set: ownedRunners returns no other).
func (r *Reconciler) expectDeleted(er *v1alpha1.EphemeralRunner) {
	if ref := metav1.GetControllerOf(er); ref != nil {
		r.expect.deleted(ref.UID, er.Name, time.Now())
	}
}

// delete tears the set down: idle runners are removed from the service and
// deleted at once, busy ones finish their job first (they delete themselves
// when they exit), and the finalizer goes with the last runner.
func (r *Reconciler) delete(ctx context.Context, log logging.Logger, set *v1alpha1.EphemeralRunnerSet, state runnerState) (ctrl.Result, error) {
	if !controllerutil.ContainsFinalizer(set, Finalizer) {
		return ctrl.Result{}, nil
	}
	left := state.total()
	if left == 0 {
		arcruntime.ForgetScaleSet(set.Namespace, set.Spec.ScaleSet.Name)
		r.expect.forget(set.UID)
		r.statuses.forget(set.UID)
		controllerutil.RemoveFinalizer(set, Finalizer)
		if err := r.kube.Update(ctx, set); client.IgnoreNotFound(err) != nil {
			return ctrl.Result{}, fmt.Errorf("%s: %w", errRemFinalizer, err)
		}
		log.Debug("All runners are gone; set released")
		return ctrl.Result{}, nil
	}
	if err := r.deleteRunners(ctx, append(state.failed, state.succeeded...)); err != nil {
		return ctrl.Result{}, err
	}
	// A runner not registered yet has nothing in the service: its own
	// finalizer removes whatever it registered meanwhile.
	var unregistered, candidates []*v1alpha1.EphemeralRunner
	for _, er := range append(state.pending, state.running...) {
		switch {
		case isBusy(er):
		case er.Status.RunnerID == 0:
			unregistered = append(unregistered, er)
		default:
			candidates = append(candidates, er)
		}
	}
	if err := r.deleteRunners(ctx, unregistered); err != nil {
		return ctrl.Result{}, err
	}
	_, err := r.removeIdle(ctx, set, candidates, len(candidates))
	c := metav1.Condition{Type: v1alpha1.ConditionTypeReady, Status: metav1.ConditionFalse, Reason: ReasonWaitingOnBusy,
		Message: fmt.Sprintf("the set is being deleted; waiting for %d runners, busy ones finish their job first", left)}
	if err != nil {
		c.Reason, c.Message = ReasonServiceError, fmt.Sprintf("the set is being deleted, but removing runners from the service failed: %v", err)
	}
	if serr := r.patchStatus(ctx, set, func(s *v1alpha1.EphemeralRunnerSetStatus) { s.SetCondition(c) }); serr != nil {
		err = errors.Join(err, serr)
	}
	return ctrl.Result{RequeueAfter: deletionPoll}, err
}

// updateStatus sets the gha_* gauges and writes the status; a routine change
// within routineInterval of the last write waits for the returned time
// instead.
func (r *Reconciler) updateStatus(ctx context.Context, set *v1alpha1.EphemeralRunnerSet, state runnerState, plan scalePlan, scaleErr error) (time.Duration, error) {
	c := state.counts()
	labels := arcruntime.ScaleSetLabels(set.Spec.ScaleSet.Name, set.Namespace, set.Spec.GitHubConfigURL)
	arcruntime.PendingEphemeralRunners.With(labels).Set(float64(c.pending))
	arcruntime.RunningEphemeralRunners.With(labels).Set(float64(c.running))
	arcruntime.FailedEphemeralRunners.With(labels).Set(float64(c.failed))

	ready := metav1.Condition{Type: v1alpha1.ConditionTypeReady, Status: metav1.ConditionTrue, Reason: ReasonScaled,
		Message: fmt.Sprintf("%d of %d runners: %d pending, %d running", state.active(), set.Spec.Replicas, c.pending, c.running)}
	switch {
	case scaleErr != nil:
		ready.Status, ready.Reason = metav1.ConditionFalse, ReasonScaleFailed
		ready.Message = arcruntime.FirstLine(scaleErr.Error())
	case int32(state.active()) != set.Spec.Replicas: //nolint:gosec // bounded by the objects in a namespace.
		ready.Status, ready.Reason = metav1.ConditionFalse, ReasonScaling
		if c.failed > 0 {
			ready.Message += fmt.Sprintf("; replacing %d failed", c.failed)
		}
	}
	change := func(s *v1alpha1.EphemeralRunnerSetStatus) {
		s.ObservedGeneration = set.Generation
		s.CurrentReplicas, s.PendingEphemeralRunners, s.RunningEphemeralRunners, s.FailedEphemeralRunners = c.current, c.pending, c.running, c.failed
		if plan.actOnPatch && scaleErr == nil {
			s.ObservedPatchID = set.Spec.PatchID
		}
		s.SetCondition(ready)
	}
	next := set.Status.DeepCopy()
	change(next)
	if equality.Semantic.DeepEqual(&set.Status, next) {
		return 0, nil
	}
	now := r.now()
	spec := specBeyondListener(set)
	if routine(&set.Status, next, r.statuses.sameSpec(set.UID, spec)) {
		if wait := r.statuses.wait(set.UID, now); wait > 0 {
			return wait, nil
		}
	}
	if err := r.patchStatus(ctx, set, func(s *v1alpha1.EphemeralRunnerSetStatus) { *s = *next }); err != nil {
		return 0, err
	}
	r.statuses.wrote(set.UID, now, spec)
	return 0, nil
}

// patchStatus writes the status after change, unless nothing changed.
func (r *Reconciler) patchStatus(ctx context.Context, set *v1alpha1.EphemeralRunnerSet, change func(*v1alpha1.EphemeralRunnerSetStatus)) error {
	statusOf := func(s *v1alpha1.EphemeralRunnerSet) *v1alpha1.EphemeralRunnerSetStatus { return &s.Status }
	if err := arcruntime.PatchStatus(ctx, r.kube, set, statusOf, change); err != nil {
		return fmt.Errorf("%s: %w", errUpdateStatus, err)
	}
	return nil
}
