package ephemeralrunner

import (
	"context"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/actions/scaleset"
	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"
	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	kerrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	kruntime "k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"

	arcv1alpha1 "github.com/arc-crossplane/provider-github-arc/apis/arc/v1alpha1"
	"github.com/arc-crossplane/provider-github-arc/apis/runners/v1alpha1"
	"github.com/arc-crossplane/provider-github-arc/internal/clients"
	"github.com/arc-crossplane/provider-github-arc/internal/clients/actions"
	"github.com/arc-crossplane/provider-github-arc/internal/controller"
	arcruntime "github.com/arc-crossplane/provider-github-arc/internal/controller/runtime"
)

// fakeActions records the calls the controller makes and answers from its
// fields.
type fakeActions struct {
	actions.Client
	calls     []string
	jitErrs   []error // answers of GenerateJITConfig, in order; then success
	removeErr []error // answers of RemoveRunner, in order; then success
	byName    *actions.Runner
}

func (f *fakeActions) GenerateJITConfig(_ context.Context, _ int, name, _ string) (*actions.JITConfig, error) {
	f.calls = append(f.calls, "GenerateJITConfig "+name)
	if len(f.jitErrs) > 0 {
		err := f.jitErrs[0]
		f.jitErrs = f.jitErrs[1:]
		return nil, err
	}
	return &actions.JITConfig{Runner: actions.Runner{ID: 42, Name: name}, EncodedJITConfig: "jit-" + name}, nil
}

func (f *fakeActions) GetRunnerByName(_ context.Context, name string) (*actions.Runner, error) {
	f.calls = append(f.calls, "GetRunnerByName "+name)
	return f.byName, nil
}

func (f *fakeActions) RemoveRunner(_ context.Context, id int64) error {
	f.calls = append(f.calls, "RemoveRunner "+strconv.FormatInt(id, 10))
	if len(f.removeErr) > 0 {
		err := f.removeErr[0]
		f.removeErr = f.removeErr[1:]
		return err
	}
	return nil
}

func newFixture(t *testing.T, fa *fakeActions, objs ...client.Object) (*Reconciler, client.Client) {
	t.Helper()
	return newFixtureWith(t, fa, interceptor.Funcs{}, objs...)
}

// newFixtureWith is newFixture with funcs intercepting the fake API server's
// calls.
func newFixtureWith(t *testing.T, fa *fakeActions, funcs interceptor.Funcs, objs ...client.Object) (*Reconciler, client.Client) {
	t.Helper()
	s := kruntime.NewScheme()
	for _, add := range []func(*kruntime.Scheme) error{clientgoscheme.AddToScheme, v1alpha1.AddToScheme, arcv1alpha1.AddToScheme} {
		if err := add(s); err != nil {
			t.Fatal(err)
		}
	}
	objs = append(objs,
		&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "creds", Namespace: "ns"}, Data: map[string][]byte{arcv1alpha1.DefaultTokenKey: []byte("ghp_x")}},
		&arcv1alpha1.ProviderConfig{ObjectMeta: metav1.ObjectMeta{Name: "github", Namespace: "ns"}, Spec: arcv1alpha1.ProviderConfigSpec{
			GitHubConfigURL: "https://github.com/acme",
			Credentials: arcv1alpha1.Credentials{Source: arcv1alpha1.CredentialsSourceSecret, Type: arcv1alpha1.CredentialsTypePAT,
				SecretRef: xpv2.LocalSecretReference{Name: "creds"}},
		}},
	)
	kube := fake.NewClientBuilder().WithScheme(s).WithObjects(objs...).WithStatusSubresource(&v1alpha1.EphemeralRunner{}).WithInterceptorFuncs(funcs).Build()
	o := controller.Options{ActionsClientFactory: func(context.Context, *clients.Config) (actions.Client, error) { return fa, nil }}
	return NewReconciler(kube, o, Config{}), kube
}

func newRunner() *v1alpha1.EphemeralRunner {
	return &v1alpha1.EphemeralRunner{
		ObjectMeta: metav1.ObjectMeta{Name: "r-1", Namespace: "ns", Finalizers: []string{Finalizer}},
		Spec: v1alpha1.EphemeralRunnerSpec{
			ScaleSet: v1alpha1.ScaleSetReference{ID: 3, Name: "linux", ProviderConfigRef: v1alpha1.ProviderConfigReference{Kind: v1alpha1.ProviderConfigKindNamespaced, Name: "github"}},
			Template: v1alpha1.RunnerPodTemplate{Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "runner", Image: "runner:1"}}}},
		},
	}
}

func reconcile(t *testing.T, r *Reconciler) ctrl.Result {
	t.Helper()
	res, err := r.Reconcile(t.Context(), ctrl.Request{NamespacedName: client.ObjectKey{Namespace: "ns", Name: "r-1"}})
	if err != nil {
		t.Fatalf("reconcile: %v", err)
	}
	return res
}

// A runner name registered already (an attempt whose Secret was lost) is
// removed from the service, and the runner registers again.
func TestRunnerNameTakenIsCleanedUp(t *testing.T) {
	fa := &fakeActions{jitErrs: []error{scaleset.RunnerExistsError}, byName: &actions.Runner{ID: 17, Name: "r-1"}}
	r, kube := newFixture(t, fa, newRunner())

	if res := reconcile(t, r); res.RequeueAfter == 0 {
		t.Errorf("after the name conflict: %+v, want a retry", res)
	}
	er := &v1alpha1.EphemeralRunner{}
	if err := kube.Get(t.Context(), client.ObjectKey{Namespace: "ns", Name: "r-1"}, er); err != nil {
		t.Fatal(err)
	}
	if er.Status.Reason != ReasonRunnerNameTaken {
		t.Errorf("status reason %q, want %q", er.Status.Reason, ReasonRunnerNameTaken)
	}
	reconcile(t, r)
	want := []string{"GenerateJITConfig r-1", "GetRunnerByName r-1", "RemoveRunner 17", "GenerateJITConfig r-1"}
	if diff := cmp.Diff(want, fa.calls); diff != "" {
		t.Errorf("calls: -want +got:\n%s", diff)
	}
	sec := &corev1.Secret{}
	if err := kube.Get(t.Context(), client.ObjectKey{Namespace: "ns", Name: "r-1"}, sec); err != nil {
		t.Fatalf("JIT Secret: %v", err)
	}
	if string(sec.Data["jitToken"]) != "jit-r-1" || !metav1.IsControlledBy(sec, er) {
		t.Errorf("JIT Secret %v owned by %v", sec.Data, sec.OwnerReferences)
	}
}

// A runner that exited 0 before the listener recorded its job goes at once
// with its pod, and waits, deleted, for the record: a runner that ran its job
// left the service with it. Without the record it is removed from the service
// once the wait is over, retried while the service says its job still runs;
// after a restart, which forgot the exit, at once.
func TestExitedRunnerWaitsForItsJobRecord(t *testing.T) {
	cases := map[string]struct {
		reason string
		// recordAfter is when the listener's record comes after the exit;
		// none when zero.
		recordAfter time.Duration
		restarted   bool
		removeErr   []error
		wantCalls   []string
	}{
		"RecordComes": {
			reason:      "the record comes within the wait: the runner left with its job, nothing to remove",
			recordAfter: DefaultJobRecordWait / 2,
		},
		"NoRecord": {
			reason:    "no record within the wait: removed, again while the service says its job still runs",
			removeErr: []error{scaleset.JobStillRunningError},
			wantCalls: []string{"RemoveRunner 42", "RemoveRunner 42"},
		},
		"RecordAfterTheWait": {
			reason:      "a record after the wait is too late: the runner is removed",
			recordAfter: 2 * DefaultJobRecordWait,
			wantCalls:   []string{"RemoveRunner 42"},
		},
		"Restarted": {
			reason:    "a new process knows nothing of the exit: removed at once",
			restarted: true,
			wantCalls: []string{"RemoveRunner 42"},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			er := newRunner()
			er.UID = types.UID("uid-exited-" + name)
			t.Cleanup(func() { arcruntime.ForgetRunner(er.UID) })
			er.Status = v1alpha1.EphemeralRunnerStatus{Phase: v1alpha1.EphemeralRunnerRunning, RunnerID: 42, RunnerName: "r-1", RunnerJITConfigSecretName: "r-1"}
			sec := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "r-1", Namespace: "ns", OwnerReferences: controlledBy(er)}, Data: map[string][]byte{"jitToken": []byte("jit")}}
			fa := &fakeActions{removeErr: tc.removeErr}
			r, kube := newFixture(t, fa, er, sec)
			exitedAt := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
			now := exitedAt
			r.now = func() time.Time { return now }
			pod := podOwnedBy(er)
			if err := kube.Create(t.Context(), pod); err != nil {
				t.Fatal(err)
			}

			reconcile(t, r) // finish
			if err := kube.Get(t.Context(), client.ObjectKeyFromObject(pod), &corev1.Pod{}); !kerrors.IsNotFound(err) {
				t.Errorf("%s\npod after the runner exited: %v, want it gone at once", tc.reason, err)
			}
			if tc.restarted {
				r = NewReconciler(kube, controller.Options{ActionsClientFactory: func(context.Context, *clients.Config) (actions.Client, error) { return fa, nil }}, Config{})
			}
			recorded := false
			for range 10 {
				if tc.recordAfter > 0 && !recorded && !now.Before(exitedAt.Add(tc.recordAfter)) {
					cur := &v1alpha1.EphemeralRunner{}
					if err := kube.Get(t.Context(), client.ObjectKeyFromObject(er), cur); err != nil {
						t.Fatal(err)
					}
					cur.Status.JobRequestID, cur.Status.JobID = 7, "job-7"
					if err := kube.Status().Update(t.Context(), cur); err != nil {
						t.Fatal(err)
					}
					recorded = true
				}
				res := reconcile(t, r)
				if kerrors.IsNotFound(kube.Get(t.Context(), client.ObjectKeyFromObject(er), &v1alpha1.EphemeralRunner{})) {
					break
				}
				if res.RequeueAfter <= 0 || res.RequeueAfter > DefaultJobRecordWait {
					t.Fatalf("%s\nrunner kept with %+v, want a retry within the wait", tc.reason, res)
				}
				// The requeue, or the record if it comes first.
				next := now.Add(res.RequeueAfter)
				if at := exitedAt.Add(tc.recordAfter); tc.recordAfter > 0 && !recorded && at.Before(next) {
					next = at
				}
				now = next
			}
			gone := kube.Get(t.Context(), client.ObjectKeyFromObject(er), &v1alpha1.EphemeralRunner{})
			secretGone := kube.Get(t.Context(), client.ObjectKeyFromObject(sec), &corev1.Secret{})
			if diff := cmp.Diff([]any{true, true, tc.wantCalls}, []any{kerrors.IsNotFound(gone), kerrors.IsNotFound(secretGone), fa.calls}); diff != "" {
				t.Errorf("%s\nrunner gone, Secret gone, Actions calls: -want +got:\n%s", tc.reason, diff)
			}
		})
	}
}

func ptrTrue() *bool { b := true; return &b }

// controlledBy makes an object the runner's, as the controller would.
func controlledBy(er *v1alpha1.EphemeralRunner) []metav1.OwnerReference {
	return []metav1.OwnerReference{{APIVersion: v1alpha1.SchemeGroupVersion.String(), Kind: v1alpha1.EphemeralRunnerKind, Name: er.Name, UID: er.UID, Controller: ptrTrue()}}
}

// A runner being deleted takes its JIT config Secret with it before its
// finalizer goes, rather than leave it to the garbage collector; a Secret of
// its name that it does not control stays.
func TestFinalizeDeletesTheJITSecret(t *testing.T) {
	cases := map[string]struct {
		reason     string
		controlled bool
		wantKept   bool
	}{
		"Own":     {reason: "the runner's own Secret goes with it", controlled: true},
		"Foreign": {reason: "a Secret of the runner's name that it does not control stays", wantKept: true},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			er := newRunner()
			er.UID = "uid-finalized"
			er.Status = v1alpha1.EphemeralRunnerStatus{Phase: v1alpha1.EphemeralRunnerSucceeded, RunnerID: 42, RunnerName: "r-1", RunnerJITConfigSecretName: "r-1"}
			sec := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "r-1", Namespace: "ns"}, Data: map[string][]byte{"jitToken": []byte("jit")}}
			if tc.controlled {
				sec.OwnerReferences = controlledBy(er)
			}
			fa := &fakeActions{}
			r, kube := newFixture(t, fa, er, sec)
			if err := kube.Delete(t.Context(), er.DeepCopy()); err != nil {
				t.Fatal(err)
			}
			reconcile(t, r)

			err := kube.Get(t.Context(), client.ObjectKeyFromObject(sec), &corev1.Secret{})
			if err != nil && !kerrors.IsNotFound(err) {
				t.Fatal(err)
			}
			gone := kube.Get(t.Context(), client.ObjectKeyFromObject(er), &v1alpha1.EphemeralRunner{})
			if diff := cmp.Diff([]any{tc.wantKept, true, []string(nil)}, []any{err == nil, kerrors.IsNotFound(gone), fa.calls}); diff != "" {
				t.Errorf("%s\nSecret kept, runner gone, Actions calls: -want +got:\n%s", tc.reason, diff)
			}
		})
	}
}

// ownPod makes the stored pod the stored runner's, as the controller would
// (the fake client knows no owner references by itself), and returns the
// runner as stored.
func ownPod(t *testing.T, kube client.Client, er *v1alpha1.EphemeralRunner, pod *corev1.Pod) *v1alpha1.EphemeralRunner {
	t.Helper()
	cur := &v1alpha1.EphemeralRunner{}
	if err := kube.Get(t.Context(), client.ObjectKeyFromObject(er), cur); err != nil {
		t.Fatal(err)
	}
	pod.OwnerReferences = controlledBy(cur)
	if err := kube.Update(t.Context(), pod); err != nil {
		t.Fatal(err)
	}
	return cur
}

// A runner that ran its job and exited 0 left the service with its job: it
// is not removed again, and its pod goes at once rather than after it. Its
// next reconcile either finalizes it or, often, comes from a view that has
// its pod's deletion but not its own, or neither: that one creates no pod and
// deletes neither the pod nor the runner a second time.
func TestRunnerThatRanItsJobLeavesWithoutRemoval(t *testing.T) {
	cases := map[string]struct {
		reason string
		// staleNext makes the second reconcile read the runner as it was
		// before the first; stalePod its pod too.
		staleNext, stalePod bool
	}{
		"Finalized":    {reason: "the second reconcile sees the deletion and finalizes the runner"},
		"SeenStale":    {reason: "the second reconcile sees the pod gone but not the runner's deletion", staleNext: true},
		"PodSeenStale": {reason: "the second reconcile sees neither deletion: the pod still ended well", staleNext: true, stalePod: true},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			er := newRunner()
			er.UID = types.UID("uid-ran-its-job-" + name)
			er.Status = v1alpha1.EphemeralRunnerStatus{Phase: v1alpha1.EphemeralRunnerRunning, RunnerID: 42, RunnerName: "r-1", RunnerJITConfigSecretName: "r-1", JobRequestID: 7, JobID: "job-7"}
			sec := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "r-1", Namespace: "ns"}, Data: map[string][]byte{"jitToken": []byte("jit")}}
			fa := &fakeActions{}
			var deleted []string
			var stale *v1alpha1.EphemeralRunner
			var stalePod *corev1.Pod
			r, kube := newFixtureWith(t, fa, interceptor.Funcs{
				Delete: func(ctx context.Context, c client.WithWatch, obj client.Object, opts ...client.DeleteOption) error {
					deleted = append(deleted, fmt.Sprintf("%T %s", obj, obj.GetName()))
					return c.Delete(ctx, obj, opts...)
				},
				Get: func(ctx context.Context, c client.WithWatch, key client.ObjectKey, obj client.Object, opts ...client.GetOption) error {
					if er, ok := obj.(*v1alpha1.EphemeralRunner); ok && stale != nil {
						stale.DeepCopyInto(er)
						return nil
					}
					if pod, ok := obj.(*corev1.Pod); ok && stalePod != nil {
						stalePod.DeepCopyInto(pod)
						return nil
					}
					return c.Get(ctx, key, obj, opts...)
				},
			}, er, sec)
			cur := &v1alpha1.EphemeralRunner{}
			if err := kube.Get(t.Context(), client.ObjectKeyFromObject(er), cur); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { arcruntime.ForgetRunner(cur.UID) })
			pod := podOwnedBy(cur)
			if err := kube.Create(t.Context(), pod); err != nil {
				t.Fatal(err)
			}

			reconcile(t, r) // finish: the pod and the runner are deleted
			if tc.staleNext {
				stale = cur // a view from before the finish
			}
			if tc.stalePod {
				stalePod = pod
			}
			reconcile(t, r)
			stale, stalePod = nil, nil // the checks read what is
			if tc.staleNext {
				if err := kube.Get(t.Context(), client.ObjectKey{Namespace: "ns", Name: "r-1"}, &corev1.Pod{}); !kerrors.IsNotFound(err) {
					t.Errorf("%s\npod after the stale reconcile: %v, want none", tc.reason, err)
				}
			} else if err := kube.Get(t.Context(), client.ObjectKeyFromObject(er), cur); !kerrors.IsNotFound(err) {
				t.Errorf("%s\nrunner after its job: %v, want it gone", tc.reason, err)
			}
			if len(fa.calls) != 0 {
				t.Errorf("%s\nActions Service calls %v, want none: the service removed the runner with its job", tc.reason, fa.calls)
			}
			want := []string{"*v1.Pod r-1", "*v1alpha1.EphemeralRunner r-1"}
			if diff := cmp.Diff(want, deleted); diff != "" {
				t.Errorf("%s\ndeletions: -want +got:\n%s", tc.reason, diff)
			}
		})
	}
}

// A new runner's status is not written when it is registered and its pod
// created: the JIT config Secret holds the registration, and the runner's
// first record (here its pod waiting long) carries it.
func TestRegistrationWrittenWithTheFirstRecord(t *testing.T) {
	fa := &fakeActions{}
	var statusPatches int
	r, kube := newFixtureWith(t, fa, interceptor.Funcs{SubResourcePatch: func(ctx context.Context, c client.Client, sub string, obj client.Object, patch client.Patch, opts ...client.SubResourcePatchOption) error {
		statusPatches++
		return c.SubResource(sub).Patch(ctx, obj, patch, opts...)
	}}, newRunner())

	reconcile(t, r)
	pod := &corev1.Pod{}
	if err := kube.Get(t.Context(), client.ObjectKey{Namespace: "ns", Name: "r-1"}, pod); err != nil {
		t.Fatalf("the runner's pod after one reconcile: %v", err)
	}
	secret := &corev1.Secret{}
	if err := kube.Get(t.Context(), client.ObjectKey{Namespace: "ns", Name: "r-1"}, secret); err != nil {
		t.Fatalf("the runner's JIT config Secret after one reconcile: %v", err)
	}
	if got := []any{statusPatches, string(secret.Data[arcruntime.RunnerIDKey])}; !cmp.Equal(got, []any{0, "42"}) {
		t.Errorf("after registering and creating the pod: status writes, runner id in the Secret %v, want [0 42]", got)
	}
	// The fake API server gives no creation time: the pod has waited since
	// forever.
	pod.Status.Phase = corev1.PodPending
	pod.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodScheduled, Status: corev1.ConditionTrue}}
	if err := kube.Status().Update(t.Context(), pod); err != nil {
		t.Fatal(err)
	}
	reconcile(t, r)
	cur := &v1alpha1.EphemeralRunner{}
	if err := kube.Get(t.Context(), client.ObjectKey{Namespace: "ns", Name: "r-1"}, cur); err != nil {
		t.Fatal(err)
	}
	got := []any{cur.Status.RunnerID, cur.Status.RunnerName, cur.Status.RunnerJITConfigSecretName, cur.Status.PodName, cur.Status.Reason, statusPatches}
	want := []any{int64(42), "r-1", "r-1", "r-1", ReasonPodCreated, 1}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("runner id, name, Secret, pod, reason, status writes: -want +got:\n%s", diff)
	}
}

// A view of the runner from before its registration reached the status is
// not a registration to record again: the status is written once, and not
// set back to Registered. After a restart, a registration whose status write
// was lost is recorded from the Secret.
func TestRegistrationRecordedOnce(t *testing.T) {
	cases := map[string]struct {
		reason      string
		status      v1alpha1.EphemeralRunnerStatus
		restart     bool
		wantPatches int
		wantReason  string
	}{
		"StaleView": {
			reason:      "the second reconcile reads the runner, recorded before (its last pod went), as it was before the first wrote its status",
			status:      v1alpha1.EphemeralRunnerStatus{Phase: v1alpha1.EphemeralRunnerPending, Reason: ReasonPodFailed},
			wantPatches: 1, wantReason: ReasonPodCreated,
		},
		"AfterARestart": {
			reason:      "a new process finds the Secret and the pod (long waiting), and a status without the registration",
			restart:     true,
			wantPatches: 1, wantReason: ReasonPodCreated,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			er := newRunner()
			er.UID = types.UID("uid-recorded-once-" + name)
			er.Status = tc.status
			fa := &fakeActions{}
			var patches int
			var stale *v1alpha1.EphemeralRunner
			r, kube := newFixtureWith(t, fa, interceptor.Funcs{
				SubResourcePatch: func(ctx context.Context, c client.Client, sub string, obj client.Object, patch client.Patch, opts ...client.SubResourcePatchOption) error {
					patches++
					return c.SubResource(sub).Patch(ctx, obj, patch, opts...)
				},
				Get: func(ctx context.Context, c client.WithWatch, key client.ObjectKey, obj client.Object, opts ...client.GetOption) error {
					if er, ok := obj.(*v1alpha1.EphemeralRunner); ok && stale != nil {
						stale.DeepCopyInto(er)
						return nil
					}
					return c.Get(ctx, key, obj, opts...)
				},
			}, er)
			before := &v1alpha1.EphemeralRunner{}
			if err := kube.Get(t.Context(), client.ObjectKeyFromObject(er), before); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { arcruntime.ForgetRunner(before.UID) })

			reconcile(t, r) // registers, creates the pod, writes the status
			if tc.restart {
				cur := &v1alpha1.EphemeralRunner{}
				if err := kube.Get(t.Context(), client.ObjectKeyFromObject(er), cur); err != nil {
					t.Fatal(err)
				}
				cur.Status = v1alpha1.EphemeralRunnerStatus{}
				if err := kube.Status().Update(t.Context(), cur); err != nil {
					t.Fatal(err)
				}
				r = NewReconciler(kube, controller.Options{ActionsClientFactory: func(context.Context, *clients.Config) (actions.Client, error) { return fa, nil }}, Config{})
			} else {
				stale = before
			}
			reconcile(t, r)
			stale = nil // the checks read what is

			cur := &v1alpha1.EphemeralRunner{}
			if err := kube.Get(t.Context(), client.ObjectKeyFromObject(er), cur); err != nil {
				t.Fatal(err)
			}
			got := []any{patches, cur.Status.RunnerID, cur.Status.Reason, len(fa.calls)}
			want := []any{tc.wantPatches, int64(42), tc.wantReason, 1}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("%s\nstatus writes, runner id, reason, Actions calls: -want +got:\n%s", tc.reason, diff)
			}
		})
	}
}

// A JIT config Secret the cache does not show yet, written by the reconcile
// before, is taken as written: registering again would remove the
// registration its pod runs with (seen in a burst: three runners exited
// without a job, their jobs waited for runners that never came), and reading
// it from the API server at each reconcile until the cache caught up was
// up to a third of a read more per runner.
func TestRegistrationNotYetInTheCacheIsNotMadeAgain(t *testing.T) {
	er := newRunner()
	er.UID = "uid-cache-lags"
	fa := &fakeActions{}
	var cacheMisses, liveSecretReads int
	r, kube := newFixture(t, fa, er)
	// The cache never shows the runner's Secret.
	r.live = interceptor.NewClient(kube.(client.WithWatch), interceptor.Funcs{Get: func(ctx context.Context, c client.WithWatch, key client.ObjectKey, obj client.Object, opts ...client.GetOption) error {
		if _, ok := obj.(*corev1.Secret); ok {
			liveSecretReads++
		}
		return c.Get(ctx, key, obj, opts...)
	}})
	r.cache = interceptor.NewClient(kube.(client.WithWatch), interceptor.Funcs{Get: func(ctx context.Context, c client.WithWatch, key client.ObjectKey, obj client.Object, opts ...client.GetOption) error {
		if _, ok := obj.(*corev1.Secret); ok && key.Name == "r-1" {
			cacheMisses++
			return kerrors.NewNotFound(corev1.Resource("secrets"), key.Name)
		}
		return c.Get(ctx, key, obj, opts...)
	}})

	reconcile(t, r) // registers, writes the Secret, creates the pod
	if err := kube.Delete(t.Context(), &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "r-1", Namespace: "ns"}}); err != nil {
		t.Fatal(err)
	}
	reconcile(t, r) // the Secret misses the cache again; its pod is made again
	if diff := cmp.Diff([]string{"GenerateJITConfig r-1"}, fa.calls); diff != "" {
		t.Errorf("Actions Service calls: -want +got:\n%s", diff)
	}
	if cacheMisses != 2 {
		t.Errorf("cache misses %d, want 2: the test must hide the Secret from both reconciles", cacheMisses)
	}
	if liveSecretReads != 0 {
		t.Errorf("Secret reads past the cache %d, want 0: the Secret written is known", liveSecretReads)
	}
}

// Once the cache shows a runner's JIT config Secret, it alone tells whether
// the Secret exists: a Secret deleted since is not taken from what this
// process wrote.
func TestJITSecretSeenInTheCacheIsForgotten(t *testing.T) {
	er := newRunner()
	er.UID = "uid-seen"
	r, kube := newFixture(t, &fakeActions{}, er)
	written := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: er.Name, Namespace: er.Namespace}, Data: map[string][]byte{"k": []byte("v")}}
	r.unseenSecrets.add(er.UID, written)

	cases := []struct {
		reason   string
		inCache  bool
		wantData map[string][]byte // nil: no Secret
	}{
		{reason: "not in the cache yet: the one written", wantData: written.Data},
		{reason: "in the cache: the cache's", inCache: true, wantData: written.Data},
		{reason: "deleted since the cache showed it: none"},
	}
	for _, step := range cases {
		if step.inCache {
			if err := kube.Create(t.Context(), written.DeepCopy()); err != nil {
				t.Fatal(err)
			}
		} else if err := kube.Delete(t.Context(), written.DeepCopy()); err != nil && !kerrors.IsNotFound(err) {
			t.Fatal(err)
		}
		got, err := r.jitSecret(t.Context(), er)
		if err != nil {
			t.Fatal(err)
		}
		var gotData map[string][]byte
		if got != nil {
			gotData = got.Data
		}
		if diff := cmp.Diff(step.wantData, gotData); diff != "" {
			t.Errorf("%s: -want +got:\n%s", step.reason, diff)
		}
	}
}

// podOwnedBy is the runner's pod, ended with exit code 0.
func podOwnedBy(er *v1alpha1.EphemeralRunner) *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: er.Name, Namespace: er.Namespace, OwnerReferences: controlledBy(er)},
		Status: corev1.PodStatus{Phase: corev1.PodSucceeded, ContainerStatuses: []corev1.ContainerStatus{{
			Name: "runner", State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: 0}},
		}}},
	}
}

// A runner deleted before its runner id reached its status is removed from
// the service by the id its JIT config Secret holds, or, without a Secret,
// looked up by name, so no registration outlives it.
func TestRunnerDeletedBeforeItsIDIsRecordedIsRemoved(t *testing.T) {
	cases := map[string]struct {
		reason string
		byName *actions.Runner
		secret *corev1.Secret
		want   []string
	}{
		"RegistrationInTheSecret": {
			reason: "Its JIT config Secret holds its registration (not recorded in the status yet): removed by that id.",
			secret: &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "r-1", Namespace: "ns"}, Data: map[string][]byte{
				arcruntime.RunnerIDKey: []byte("42"), arcruntime.RunnerNameKey: []byte("r-1"),
			}},
			want: []string{"RemoveRunner 42"},
		},
		"Registered": {
			reason: "The JIT config was generated: the service knows the runner by name.",
			byName: &actions.Runner{ID: 17, Name: "r-1"},
			want:   []string{"GetRunnerByName r-1", "RemoveRunner 17"},
		},
		"NeverRegistered": {
			reason: "No JIT config yet: nothing to remove.",
			want:   []string{"GetRunnerByName r-1"},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			fa := &fakeActions{byName: tc.byName}
			er := newRunner()
			er.UID = types.UID("uid-deleted-unrecorded-" + name)
			objs := []client.Object{er}
			if tc.secret != nil {
				objs = append(objs, tc.secret)
			}
			r, kube := newFixture(t, fa, objs...)
			t.Cleanup(func() { arcruntime.ForgetRunner(er.UID) })
			if err := kube.Delete(t.Context(), er); err != nil {
				t.Fatal(err)
			}
			reconcile(t, r)
			if err := kube.Get(t.Context(), client.ObjectKeyFromObject(er), &v1alpha1.EphemeralRunner{}); !kerrors.IsNotFound(err) {
				t.Errorf("%s\nrunner after finalizing: %v, want it gone", tc.reason, err)
			}
			if diff := cmp.Diff(tc.want, fa.calls); diff != "" {
				t.Errorf("%s\ncalls: -want +got:\n%s", tc.reason, diff)
			}
		})
	}
}

// A runner this process removed from the service already is not removed
// again: not by its finalizer after its set's scale-down removed it, not by a
// replay of its finish from a stale view.
func TestRunnerRemovedFromTheServiceOnce(t *testing.T) {
	exitedPod := func(owner *v1alpha1.EphemeralRunner) *corev1.Pod {
		return &corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Name: "r-1", Namespace: "ns", OwnerReferences: controlledBy(owner)},
			Status: corev1.PodStatus{Phase: corev1.PodSucceeded, ContainerStatuses: []corev1.ContainerStatus{{
				Name: "runner", State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: 0}},
			}}},
		}
	}
	cases := map[string]struct {
		reason string
		// act brings the runner to its end; the runner's controller then
		// finalizes it.
		act       func(t *testing.T, r *Reconciler, kube client.Client, er *v1alpha1.EphemeralRunner)
		withPod   bool
		wantCalls []string
	}{
		"RemovedByItsSet": {
			reason: "The set's scale-down removed the runner, then deleted it: its finalizer has nothing left to remove.",
			act: func(t *testing.T, _ *Reconciler, kube client.Client, er *v1alpha1.EphemeralRunner) {
				t.Helper()
				set := &fakeActions{}
				if err := arcruntime.RemoveRunner(t.Context(), set, er); err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff([]string{"RemoveRunner 42"}, set.calls); diff != "" {
					t.Fatalf("the set's calls: -want +got:\n%s", diff)
				}
				if err := kube.Delete(t.Context(), er); err != nil {
					t.Fatal(err)
				}
			},
		},
		"FinishReplayed": {
			reason:  "The runner exited 0 and was removed; a reconcile from a view that predates it finishes it again without a second removal.",
			withPod: true,
			act: func(t *testing.T, r *Reconciler, _ client.Client, er *v1alpha1.EphemeralRunner) {
				t.Helper()
				stale := er.DeepCopy()
				reconcile(t, r)
				if _, err := r.finish(t.Context(), r.log, stale, exitedPod(stale)); err != nil {
					t.Fatalf("finish from a stale view: %v", err)
				}
				// No record of its job came while it waited.
				r.now = func() time.Time { return time.Now().Add(DefaultJobRecordWait) }
			},
			wantCalls: []string{"RemoveRunner 42"},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			er := newRunner()
			er.UID = types.UID("uid-" + name)
			er.Status = v1alpha1.EphemeralRunnerStatus{Phase: v1alpha1.EphemeralRunnerRunning, RunnerID: 42, RunnerName: "r-1", RunnerJITConfigSecretName: "r-1"}
			objs := []client.Object{er, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "r-1", Namespace: "ns"}, Data: map[string][]byte{"jitToken": []byte("jit")}}}
			if tc.withPod {
				objs = append(objs, exitedPod(er))
			}
			fa := &fakeActions{}
			updates := 0
			r, kube := newFixtureWith(t, fa, interceptor.Funcs{Update: func(ctx context.Context, c client.WithWatch, obj client.Object, opts ...client.UpdateOption) error {
				updates++
				return c.Update(ctx, obj, opts...)
			}}, objs...)
			cur := &v1alpha1.EphemeralRunner{}
			if err := kube.Get(t.Context(), client.ObjectKeyFromObject(er), cur); err != nil {
				t.Fatal(err)
			}
			tc.act(t, r, kube, cur)
			// What the cache may still show after the finalizer went.
			stale := &v1alpha1.EphemeralRunner{}
			if err := kube.Get(t.Context(), client.ObjectKeyFromObject(er), stale); err != nil || stale.DeletionTimestamp.IsZero() {
				t.Fatalf("runner before finalizing: %v, deleting %v; want it being deleted", err, !stale.DeletionTimestamp.IsZero())
			}
			reconcile(t, r)
			if err := kube.Get(t.Context(), client.ObjectKeyFromObject(er), cur); !kerrors.IsNotFound(err) {
				t.Errorf("%s\nrunner after finalizing: %v, want it gone", tc.reason, err)
			}
			updatesBefore := updates
			if _, err := r.finalize(t.Context(), r.log, stale); err != nil {
				t.Errorf("%s\nfinalizing again from a view from before: %v", tc.reason, err)
			}
			if updates != updatesBefore {
				t.Errorf("%s\nfinalizing again from a view from before updated the runner %d more times, want none", tc.reason, updates-updatesBefore)
			}
			if diff := cmp.Diff(tc.wantCalls, fa.calls); diff != "" {
				t.Errorf("%s\nthe runner controller's calls: -want +got:\n%s", tc.reason, diff)
			}
			r.forget(er.UID) // the cache's delete event
			if arcruntime.RunnerRemoved(er) || r.finalized.Has(er.UID) {
				t.Errorf("%s\nthe runner is still remembered after the cache saw it go", tc.reason)
			}
		})
	}
}

// A runner gone from the service (it finished, or its set removed it) whose
// pod is gone too gets no new pod from a view that does not show its deletion
// yet: it is deleted (again).
func TestRunnerGoneFromTheServiceGetsNoNewPod(t *testing.T) {
	er := newRunner()
	er.UID = types.UID("uid-gone-no-pod")
	er.Status = v1alpha1.EphemeralRunnerStatus{Phase: v1alpha1.EphemeralRunnerRunning, RunnerID: 42, RunnerName: "r-1", RunnerJITConfigSecretName: "r-1"}
	fa := &fakeActions{}
	r, kube := newFixture(t, fa, er, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "r-1", Namespace: "ns"}, Data: map[string][]byte{"jitToken": []byte("jit")}})
	cur := &v1alpha1.EphemeralRunner{}
	if err := kube.Get(t.Context(), client.ObjectKeyFromObject(er), cur); err != nil {
		t.Fatal(err)
	}
	arcruntime.RunnerLeftWithItsJob(cur)
	t.Cleanup(func() { arcruntime.ForgetRunner(cur.UID) })

	reconcile(t, r)
	if err := kube.Get(t.Context(), client.ObjectKey{Namespace: "ns", Name: "r-1"}, &corev1.Pod{}); !kerrors.IsNotFound(err) {
		t.Errorf("pod of a runner gone from the service: %v, want none", err)
	}
	if err := kube.Get(t.Context(), client.ObjectKeyFromObject(er), cur); err != nil || cur.DeletionTimestamp.IsZero() {
		t.Errorf("runner: %v, deleting %v; want it being deleted", err, err == nil && !cur.DeletionTimestamp.IsZero())
	}
	if len(fa.calls) != 0 {
		t.Errorf("calls to the service: %v, want none", fa.calls)
	}
}

// A running pod is recorded once it ran for RunningRecordDelay without a
// job, from when it became ready; a runner the listener recorded Running with
// its job is not written again. A runner nothing recorded yet is first
// written, with its registration, when its pod ran that long, or waited
// PendingRecordDelay to run.
func TestRunningPodRecorded(t *testing.T) {
	now := time.Date(2026, 12, 5, 12, 0, 0, 0, time.UTC)
	type want struct {
		requeueAfter time.Duration
		phase        v1alpha1.EphemeralRunnerPhase
		reason       string
		runnerID     int64
		readySince   time.Time
	}
	cases := map[string]struct {
		reason     string
		readyFor   time.Duration
		listenerOn bool
		// unrecorded: the status has nothing yet, the Secret the registration.
		unrecorded bool
		// waitingFor: the pod was created this long ago and does not run yet.
		waitingFor time.Duration
		want       want
	}{
		"NewRunnerPodWaiting": {
			reason:     "a new runner whose pod waits to run is not written before the pending delay",
			unrecorded: true, waitingFor: 5 * time.Second,
			want: want{requeueAfter: DefaultPendingRecordDelay - 5*time.Second},
		},
		"NewRunnerPodWaitedLong": {
			reason:     "a new runner whose pod waited the pending delay is recorded Pending, with its registration",
			unrecorded: true, waitingFor: DefaultPendingRecordDelay,
			want: want{phase: v1alpha1.EphemeralRunnerPending, reason: ReasonPodCreated, runnerID: 42},
		},
		"NewRunnerJustReady": {
			reason:     "a new runner whose pod runs for less than the running delay is not written yet",
			unrecorded: true, readyFor: 4 * time.Second,
			want: want{requeueAfter: DefaultRunningRecordDelay - 4*time.Second},
		},
		"NewRunnerIdleLongEnough": {
			reason:     "a new runner whose pod ran the delay without a job is recorded Running, with its registration",
			unrecorded: true, readyFor: DefaultRunningRecordDelay,
			want: want{phase: v1alpha1.EphemeralRunnerRunning, reason: ReasonPodRunning, runnerID: 42, readySince: now},
		},
		"JustReady": {
			reason:   "a pod ready for less than the delay is not written yet: the runner is looked at again when the delay is over",
			readyFor: 4 * time.Second,
			want:     want{requeueAfter: DefaultRunningRecordDelay - 4*time.Second, phase: v1alpha1.EphemeralRunnerPending, reason: ReasonPodCreated, runnerID: 42},
		},
		"IdleLongEnough": {
			reason:   "a pod ready for the delay without a job is recorded Running, ready since it is recorded",
			readyFor: DefaultRunningRecordDelay,
			want:     want{phase: v1alpha1.EphemeralRunnerRunning, reason: ReasonPodRunning, runnerID: 42, readySince: now},
		},
		"RecordedByListener": {
			reason:     "a runner the listener recorded Running with its job keeps what the listener wrote",
			readyFor:   time.Minute,
			listenerOn: true,
			want:       want{phase: v1alpha1.EphemeralRunnerRunning, reason: "JobStarted", runnerID: 42, readySince: now.Add(-2 * time.Second)},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			er := newRunner()
			er.UID = types.UID("uid-running-" + name)
			er.Status = v1alpha1.EphemeralRunnerStatus{Phase: v1alpha1.EphemeralRunnerPending, Reason: ReasonPodCreated, RunnerID: 42, RunnerName: "r-1", RunnerJITConfigSecretName: "r-1", PodName: "r-1"}
			er.Status.SetCondition(metav1.Condition{Type: v1alpha1.ConditionTypeReady, Status: metav1.ConditionFalse, Reason: ReasonPodCreated, LastTransitionTime: metav1.NewTime(now.Add(-time.Hour))})
			if tc.listenerOn {
				er.Status.Phase, er.Status.Reason, er.Status.Ready, er.Status.JobRequestID = v1alpha1.EphemeralRunnerRunning, "JobStarted", true, 7
				er.Status.SetCondition(metav1.Condition{Type: v1alpha1.ConditionTypeReady, Status: metav1.ConditionTrue, Reason: "JobStarted", LastTransitionTime: metav1.NewTime(now.Add(-2 * time.Second))})
			}
			if tc.unrecorded {
				er.Status = v1alpha1.EphemeralRunnerStatus{}
			}
			sec := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "r-1", Namespace: "ns"}, Data: map[string][]byte{
				arcruntime.JITConfigKey: []byte("jit"), arcruntime.RunnerIDKey: []byte("42"), arcruntime.RunnerNameKey: []byte("r-1"),
			}}
			pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "r-1", Namespace: "ns"}, Status: corev1.PodStatus{
				Phase:      corev1.PodRunning,
				Conditions: []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue, LastTransitionTime: metav1.NewTime(now.Add(-tc.readyFor))}},
			}}
			if tc.waitingFor > 0 {
				pod.CreationTimestamp = metav1.NewTime(now.Add(-tc.waitingFor))
				pod.Status = corev1.PodStatus{Phase: corev1.PodPending}
			}
			r, kube := newFixture(t, &fakeActions{}, er, sec, pod)
			r.now = func() time.Time { return now }
			cur := ownPod(t, kube, er, pod)

			res := reconcile(t, r)
			if err := kube.Get(t.Context(), client.ObjectKeyFromObject(er), cur); err != nil {
				t.Fatal(err)
			}
			got := want{requeueAfter: res.RequeueAfter, phase: cur.Status.Phase, reason: cur.Status.Reason, runnerID: cur.Status.RunnerID}
			if c := cur.Status.GetCondition(v1alpha1.ConditionTypeReady); c != nil && c.Status == metav1.ConditionTrue {
				got.readySince = c.LastTransitionTime.UTC()
			}
			if diff := cmp.Diff(tc.want, got, cmp.AllowUnexported(want{})); diff != "" {
				t.Errorf("%s\n-want +got:\n%s", tc.reason, diff)
			}
		})
	}
}

// A pod this process created is not created again while the cache does not
// show it yet: its create event brings the runner back. Seen created (or gone)
// by the cache, or never seen within unseenPodTimeout, a missing pod is made
// anew.
func TestPodNotYetInTheCacheIsNotCreatedAgain(t *testing.T) {
	cases := map[string]struct {
		reason string
		// between runs after the first reconcile, with the created pod.
		between     func(t *testing.T, r *Reconciler, kube client.Client, pod *corev1.Pod)
		wantCreates int
		wantRequeue bool
	}{
		"CacheLags": {
			reason:      "the second reconcile's cache does not show the pod the first created",
			between:     func(*testing.T, *Reconciler, client.Client, *corev1.Pod) {},
			wantCreates: 1, wantRequeue: true,
		},
		"CacheSawItAndItWent": {
			reason: "the cache showed the pod created, then it was deleted: the runner needs a new one",
			between: func(t *testing.T, r *Reconciler, kube client.Client, pod *corev1.Pod) {
				r.unseenPods.observe(pod)
				if err := kube.Delete(t.Context(), pod); err != nil {
					t.Fatal(err)
				}
			},
			wantCreates: 2,
		},
		"EventNeverCame": {
			reason: "no create event within the timeout: the pod is created again (the API server says it exists)",
			between: func(_ *testing.T, r *Reconciler, _ client.Client, _ *corev1.Pod) {
				later := r.now().Add(unseenPodTimeout)
				r.now = func() time.Time { return later }
			},
			wantCreates: 2, wantRequeue: true,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			er := newRunner()
			er.UID = types.UID("uid-unseen-pod-" + name)
			creates, hidePod := 0, true
			r, kube := newFixtureWith(t, &fakeActions{}, interceptor.Funcs{
				Create: func(ctx context.Context, c client.WithWatch, obj client.Object, opts ...client.CreateOption) error {
					if _, ok := obj.(*corev1.Pod); ok {
						creates++
					}
					return c.Create(ctx, obj, opts...)
				},
				Get: func(ctx context.Context, c client.WithWatch, key client.ObjectKey, obj client.Object, opts ...client.GetOption) error {
					if _, ok := obj.(*corev1.Pod); ok && hidePod {
						return kerrors.NewNotFound(corev1.Resource("pods"), key.Name)
					}
					return c.Get(ctx, key, obj, opts...)
				},
			}, er)
			now := time.Now()
			r.now = func() time.Time { return now }

			reconcile(t, r) // registers and creates the pod
			pod := &corev1.Pod{}
			hidePod = false
			if err := kube.Get(t.Context(), client.ObjectKey{Namespace: "ns", Name: "r-1"}, pod); err != nil {
				t.Fatalf("the runner's pod after one reconcile: %v", err)
			}
			hidePod = true
			tc.between(t, r, kube, pod)
			res := reconcile(t, r)

			got := []any{creates, res.RequeueAfter > 0 && res.RequeueAfter <= unseenPodTimeout}
			if diff := cmp.Diff([]any{tc.wantCreates, tc.wantRequeue}, got); diff != "" {
				t.Errorf("%s\npod creates, requeued within the timeout: -want +got:\n%s", tc.reason, diff)
			}
		})
	}
}

// The provider's cache holds only the pods it created (arcruntime.ManagerOptions):
// a pod of the runner's name shows only when creating the runner's pod fails,
// and is then read past the cache.
func TestPodOfTheRunnersNameOutsideTheCache(t *testing.T) {
	cases := map[string]struct {
		reason string
		pod    func(er *v1alpha1.EphemeralRunner) *corev1.Pod
		// want: the runner's status reason, its requeue, pod creates.
		wantReason  string
		wantRequeue time.Duration
		wantCreates int
	}{
		"SomethingElsesPod": {
			reason: "a pod of the runner's name that the provider did not create is reported and left alone, and the runner looks again later",
			pod: func(er *v1alpha1.EphemeralRunner) *corev1.Pod {
				return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: er.Name, Namespace: er.Namespace, Labels: map[string]string{"app": "other"}}}
			},
			wantReason: ReasonPodNameTaken, wantRequeue: podCreateRefusedRetry, wantCreates: 1,
		},
		"OwnPodNotCachedYet": {
			reason: "the runner's own pod, not in the cache yet, is waited for, not reported",
			pod: func(er *v1alpha1.EphemeralRunner) *corev1.Pod {
				pod := podOwnedBy(er)
				pod.Status = corev1.PodStatus{Phase: corev1.PodPending}
				return pod
			},
			wantReason: "", wantRequeue: immediateRetry, wantCreates: 1,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			er := newRunner()
			er.UID = types.UID("uid-pod-outside-cache-" + name)
			r, kube := newFixture(t, &fakeActions{}, er, tc.pod(er))
			creates := 0
			// The cache: pods without the provider's label are not in it.
			r.kube = interceptor.NewClient(kube.(client.WithWatch), interceptor.Funcs{
				Get: func(ctx context.Context, c client.WithWatch, key client.ObjectKey, obj client.Object, opts ...client.GetOption) error {
					if err := c.Get(ctx, key, obj, opts...); err != nil {
						return err
					}
					if _, ok := obj.(*corev1.Pod); ok && !arcruntime.ManagedBySelector().Matches(labels.Set(obj.GetLabels())) {
						return kerrors.NewNotFound(corev1.Resource("pods"), key.Name)
					}
					return nil
				},
				Create: func(ctx context.Context, c client.WithWatch, obj client.Object, opts ...client.CreateOption) error {
					if _, ok := obj.(*corev1.Pod); ok {
						creates++
					}
					return c.Create(ctx, obj, opts...)
				},
			})
			r.live = kube

			res := reconcile(t, r)
			got := &v1alpha1.EphemeralRunner{}
			if err := kube.Get(t.Context(), client.ObjectKeyFromObject(er), got); err != nil {
				t.Fatal(err)
			}
			pod := &corev1.Pod{}
			if err := kube.Get(t.Context(), client.ObjectKeyFromObject(er), pod); err != nil {
				t.Fatalf("the pod of the runner's name: %v", err)
			}
			want := []any{tc.wantReason, tc.wantRequeue, tc.wantCreates, tc.pod(er).OwnerReferences}
			if diff := cmp.Diff(want, []any{got.Status.Reason, res.RequeueAfter, creates, pod.OwnerReferences}); diff != "" {
				t.Errorf("%s\nstatus reason, requeue, pod creates, the pod's owners: -want +got:\n%s", tc.reason, diff)
			}
		})
	}
}

// A JIT config Secret of the runner's name that the cache does not show is
// found when creating the runner's fails: the runner's own (written before
// this process's cache saw it) gets the new registration; another's is left
// alone, never reaches a pod, and the registration just made is removed.
func TestJITSecretOfTheRunnersNameOutsideTheCache(t *testing.T) {
	cases := map[string]struct {
		reason string
		owned  bool
		// want: the status reason, the requeue, Actions Service calls, the
		// Secret's jitToken afterwards, whether a pod was created.
		wantReason  string
		wantRequeue time.Duration
		wantCalls   []string
		wantToken   string
		wantPod     bool
	}{
		"SomethingElsesSecret": {
			reason:     "another's Secret is reported and left alone, and the new registration is removed",
			wantReason: ReasonSecretNameTaken, wantRequeue: podCreateRefusedRetry,
			wantCalls: []string{"GenerateJITConfig r-1", "RemoveRunner 42"}, wantToken: "theirs",
		},
		"OwnSecretFromBefore": {
			reason: "the runner's own Secret from an earlier registration gets the new one, and the pod starts with it",
			owned:  true, wantCalls: []string{"GenerateJITConfig r-1"}, wantToken: "jit-r-1", wantPod: true,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			er := newRunner()
			er.UID = types.UID("uid-secret-outside-cache-" + name)
			sec := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: er.Name, Namespace: er.Namespace},
				Data: map[string][]byte{arcruntime.JITConfigKey: []byte("theirs"), arcruntime.RunnerIDKey: []byte("7")}}
			if tc.owned {
				sec.OwnerReferences = podOwnedBy(er).OwnerReferences
			}
			fa := &fakeActions{}
			r, kube := newFixture(t, fa, er, sec)
			r.cache = interceptor.NewClient(kube.(client.WithWatch), interceptor.Funcs{
				Get: func(ctx context.Context, c client.WithWatch, key client.ObjectKey, obj client.Object, opts ...client.GetOption) error {
					if _, ok := obj.(*corev1.Secret); ok {
						return kerrors.NewNotFound(corev1.Resource("secrets"), key.Name)
					}
					return c.Get(ctx, key, obj, opts...)
				},
			})

			res := reconcile(t, r)
			got := &v1alpha1.EphemeralRunner{}
			if err := kube.Get(t.Context(), client.ObjectKeyFromObject(er), got); err != nil {
				t.Fatal(err)
			}
			after := &corev1.Secret{}
			if err := kube.Get(t.Context(), client.ObjectKeyFromObject(sec), after); err != nil {
				t.Fatal(err)
			}
			podErr := kube.Get(t.Context(), client.ObjectKeyFromObject(er), &corev1.Pod{})
			want := []any{tc.wantReason, tc.wantRequeue, tc.wantCalls, tc.wantToken, tc.wantPod}
			if diff := cmp.Diff(want, []any{got.Status.Reason, res.RequeueAfter, fa.calls, string(after.Data[arcruntime.JITConfigKey]), podErr == nil}); diff != "" {
				t.Errorf("%s\nstatus reason, requeue, Actions calls, the Secret's jitToken, a pod: -want +got:\n%s", tc.reason, diff)
			}
		})
	}
}
