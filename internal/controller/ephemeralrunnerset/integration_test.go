package ephemeralrunnerset_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	kerrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	ctrlmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"

	"github.com/arc-crossplane/provider-github-arc/apis/runners/v1alpha1"
	"github.com/arc-crossplane/provider-github-arc/cluster/standin"
	"github.com/arc-crossplane/provider-github-arc/cluster/testenv"
	arcruntime "github.com/arc-crossplane/provider-github-arc/internal/controller/runtime"
	"github.com/arc-crossplane/provider-github-arc/internal/controller/runtime/runtimetest"
	"github.com/arc-crossplane/provider-github-arc/internal/simulator/simclient"
)

// installationTokenEndpoint is the simulator's counter of installation tokens.
const installationTokenEndpoint = "POST /api/v3/app/installations/{installation_id}/access_tokens"

func TestMain(m *testing.M) {
	runtimetest.AddToSchemes()
	testenv.Main(m)
}

// Replicas 0 -> 20 -> 0: twenty runner pods get a JIT config each, run the
// twenty jobs once each, and afterwards nothing is left: no EphemeralRunner,
// pod or JIT Secret in the cluster, no runner in the service. While they run,
// no runner pod holds a credential of the provider (a GitHub App's here, so
// that installation tokens are in play).
func TestScaleUpRunsEveryJobAndLeavesNothing(t *testing.T) {
	h := runtimetest.Start(t, runtimetest.Options{App: true})
	ctx := t.Context()
	set := h.CreateSet(t, "linux", 0)

	h.Scale(t, set.Name, 20, 1)
	jobs := h.SubmitJobs(t, 20, "8s")

	// Runners that got their job early may be gone before the last start:
	// count every pod seen running with its own JIT config, and scan each
	// for credentials while it exists.
	seen := map[string]bool{}
	testenv.Eventually(t, 90*time.Second, "20 runner pods running with their JIT config", func(ctx context.Context) (bool, error) {
		pods, err := h.RunnerPods(ctx)
		if err != nil {
			return false, err
		}
		for _, p := range pods {
			if p.Status.Phase == corev1.PodRunning && jitSecretOf(&p) == p.Name && !seen[p.Name] {
				seen[p.Name] = true
				assertNoCredentialInPod(t, h, &p)
			}
		}
		return check(len(seen) == 20, "%d runner pods seen running with a JIT config", len(seen))
	})

	// ARC's controller gauges, on controller-runtime's registry, with ARC's
	// labels.
	testenv.Eventually(t, 30*time.Second, "gha_controller_running_ephemeral_runners of the set", func(context.Context) (bool, error) {
		v, err := gauge("gha_controller_running_ephemeral_runners", map[string]string{
			"name": runtimetest.ScaleSet, "namespace": h.Namespace, "organization": runtimetest.Org, "repository": "", "enterprise": "",
		})
		return check(err == nil && v > 0, "gauge %v (%v)", v, err)
	})

	// The scan means something only if installation tokens were issued.
	if n := h.Sim.Counters().Status(installationTokenEndpoint, http.StatusCreated); n == 0 {
		t.Errorf("no installation token was issued: the credential scan proves nothing")
	}

	wctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	done, err := h.SimClient.WaitJobs(wctx, simclient.JobCompleted, jobs...)
	if err != nil {
		t.Fatalf("jobs did not complete: %v", err)
	}
	runnerOf := map[string]bool{}
	for _, j := range done {
		if j.Runs != 1 || j.Result != simclient.ResultSucceeded {
			t.Errorf("job %d ran %d times with result %q, want once, succeeded", j.ID, j.Runs, j.Result)
		}
		if !strings.HasPrefix(j.RunnerName, set.Name+"-") || runnerOf[j.RunnerName] {
			t.Errorf("job %d ran on %q: want a runner of the set, one job per runner", j.ID, j.RunnerName)
		}
		runnerOf[j.RunnerName] = true
	}

	// The jobs are done: the listener would lower replicas now.
	h.Scale(t, set.Name, 0, 2)
	assertNothingLeft(t, h)

	// The status follows the runners to the end: its routine changes are
	// written at most once a second, and the last ones still land.
	testenv.Eventually(t, 30*time.Second, "the set's status at zero runners, the last patch answered", func(ctx context.Context) (bool, error) {
		cur := &v1alpha1.EphemeralRunnerSet{}
		if err := h.Kube.Get(ctx, client.ObjectKeyFromObject(set), cur); err != nil {
			return false, err
		}
		st := cur.Status
		return check(st.CurrentReplicas == 0 && st.PendingEphemeralRunners == 0 && st.RunningEphemeralRunners == 0 && st.ObservedPatchID == 2,
			"current %d, pending %d, running %d, observed patch %d", st.CurrentReplicas, st.PendingEphemeralRunners, st.RunningEphemeralRunners, st.ObservedPatchID)
	})
}

// A runner whose pod fails three times runs its job on the fourth pod; a
// runner whose pod always fails is given up after maxPodFailures pods and
// replaced; both show their failures in their status.
func TestFailedPodsAreRetriedThenReplaced(t *testing.T) {
	const maxPodFailures = 4
	var mu sync.Mutex
	attempts := map[string]int{} // runner -> pods played
	var order []string           // runners in the order their first pod ran
	outcome := func(pod *corev1.Pod) standin.Outcome {
		mu.Lock()
		defer mu.Unlock()
		name := pod.Labels[arcruntime.LabelEphemeralRunner]
		if attempts[name] == 0 {
			order = append(order, name)
		}
		attempts[name]++
		switch {
		case name == order[0] && attempts[name] <= 3:
			return standin.Outcome{Fail: true, ExitCode: 3}
		case len(order) > 1 && name == order[1]:
			return standin.Outcome{Fail: true, ExitCode: 137}
		}
		return standin.Outcome{}
	}
	h := runtimetest.Start(t, runtimetest.Options{RunnerOutcome: outcome, BackoffBase: 100 * time.Millisecond})
	ctx := t.Context()
	set := h.CreateSet(t, "flaky", maxPodFailures)
	h.Scale(t, set.Name, 2, 1)
	jobs := h.SubmitJobs(t, 2, "6s")

	first := func() string { mu.Lock(); defer mu.Unlock(); return order[0] }
	// Its fourth pod runs the job, shorter than the wait before a running
	// pod without a recorded job is written Running: the pod tells.
	testenv.Eventually(t, 60*time.Second, "the flaky runner's pod runs with 3 failures in its status", func(ctx context.Context) (bool, error) {
		er := &v1alpha1.EphemeralRunner{}
		if len(attemptsSnapshot(&mu, attempts)) == 0 {
			return false, nil
		}
		key := client.ObjectKey{Namespace: h.Namespace, Name: first()}
		if err := h.Kube.Get(ctx, key, er); err != nil {
			return false, err
		}
		pod := &corev1.Pod{}
		if err := h.Kube.Get(ctx, key, pod); client.IgnoreNotFound(err) != nil {
			return false, err
		}
		return check(pod.Status.Phase == corev1.PodRunning && er.Status.Failures == 3 && len(er.Status.PodFailures) == 3,
			"runner %s is %s with %d failures, its pod %q", er.Name, er.Status.Phase, er.Status.Failures, pod.Status.Phase)
	})

	wctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	done, err := h.SimClient.WaitJobs(wctx, simclient.JobCompleted, jobs...)
	if err != nil {
		t.Fatalf("jobs did not complete: %v", err)
	}
	mu.Lock()
	broken := order[1]
	if got := attempts[broken]; got != maxPodFailures {
		t.Errorf("the broken runner had %d pods, want %d (maxPodFailures)", got, maxPodFailures)
	}
	if len(order) < 3 {
		t.Errorf("runners %v: want a replacement for the broken one", order)
	}
	mu.Unlock()
	for _, j := range done {
		if j.RunnerName == broken || j.Runs != 1 {
			t.Errorf("job %d ran %d times on %s; want once, never on the broken runner %s", j.ID, j.Runs, j.RunnerName, broken)
		}
	}
	testenv.Eventually(t, 30*time.Second, "the broken runner removed from cluster and service", func(ctx context.Context) (bool, error) {
		err := h.Kube.Get(ctx, client.ObjectKey{Namespace: h.Namespace, Name: broken}, &v1alpha1.EphemeralRunner{})
		if client.IgnoreNotFound(err) != nil || err == nil {
			return false, fmt.Errorf("EphemeralRunner %s still exists (%v)", broken, err)
		}
		st, err := h.SimClient.ActionsState(ctx)
		if err != nil {
			return false, err
		}
		for _, r := range st.Runners {
			if r.Name == broken {
				return false, fmt.Errorf("runner %s is still registered", broken)
			}
		}
		return true, nil
	})
	h.Scale(t, set.Name, 0, 2)
	assertNothingLeft(t, h)
}

// Scale-down while a job runs: the idle runners go at once, the busy one
// keeps running until its job ends, and then goes too.
func TestScaleDownKeepsBusyRunner(t *testing.T) {
	h := runtimetest.Start(t, runtimetest.Options{})
	ctx := t.Context()
	set := h.CreateSet(t, "busy", 0)
	h.Scale(t, set.Name, 3, 1)
	testenv.Eventually(t, 60*time.Second, "3 runners registered and running", func(ctx context.Context) (bool, error) {
		rs, err := h.Runners(ctx)
		n := 0
		for _, r := range rs {
			if r.Status.Phase == v1alpha1.EphemeralRunnerRunning && r.Status.RunnerID != 0 {
				n++
			}
		}
		return n == 3, err
	})
	pods, err := h.RunnerPods(ctx)
	if err != nil {
		t.Fatalf("runner pods: %v", err)
	}
	for i := range pods {
		assertNoCredentialInPod(t, h, &pods[i])
	}
	jobs := h.SubmitJobs(t, 1, "15s")
	wctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	started, err := h.SimClient.WaitJob(wctx, jobs[0], simclient.JobStarted)
	if err != nil {
		t.Fatalf("job did not start: %v", err)
	}
	busy := started.RunnerName

	// A full reconcile down to zero, as the listener asks when it is idle.
	h.Scale(t, set.Name, 0, 0)
	testenv.Eventually(t, 30*time.Second, "only the busy runner left", func(ctx context.Context) (bool, error) {
		rs, err := h.Runners(ctx)
		if err != nil {
			return false, err
		}
		var names []string
		for _, r := range rs {
			names = append(names, fmt.Sprintf("%s(%s,deleting=%v,job=%d)", r.Name, r.Status.Phase, !r.DeletionTimestamp.IsZero(), r.Status.JobRequestID))
		}
		return check(len(rs) == 1 && rs[0].Name == busy, "runners %v, want only %s", names, busy)
	})
	j, err := h.SimClient.Job(ctx, jobs[0])
	if err != nil {
		t.Fatalf("job: %v", err)
	}
	if j.State != simclient.JobStarted || j.RunnerName != busy {
		t.Errorf("job is %s on %s, want still started on %s", j.State, j.RunnerName, busy)
	}
	pod := &corev1.Pod{}
	if err := h.Kube.Get(ctx, client.ObjectKey{Namespace: h.Namespace, Name: busy}, pod); err != nil || pod.Status.Phase != corev1.PodRunning || !pod.DeletionTimestamp.IsZero() {
		t.Errorf("busy runner's pod: %v, phase %s, deleting %v; want running", err, pod.Status.Phase, !pod.DeletionTimestamp.IsZero())
	}
	if _, err := h.SimClient.WaitJob(wctx, jobs[0], simclient.JobCompleted); err != nil {
		t.Fatalf("job did not complete: %v", err)
	}
	assertNothingLeft(t, h)
}

// gauge reads a gauge of controller-runtime's registry by its labels.
func gauge(name string, labels map[string]string) (float64, error) {
	families, err := ctrlmetrics.Registry.Gather()
	if err != nil {
		return 0, err
	}
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
	metrics:
		for _, m := range f.GetMetric() {
			if len(m.GetLabel()) != len(labels) {
				continue
			}
			for _, l := range m.GetLabel() {
				if v, ok := labels[l.GetName()]; !ok || v != l.GetValue() {
					continue metrics
				}
			}
			return m.GetGauge().GetValue(), nil
		}
	}
	return 0, fmt.Errorf("no %s with labels %v", name, labels)
}

// check is a condition's answer: done, or not yet and why.
func check(ok bool, format string, args ...any) (bool, error) {
	if ok {
		return true, nil
	}
	return false, fmt.Errorf(format, args...)
}

func attemptsSnapshot(mu *sync.Mutex, m map[string]int) map[string]int {
	mu.Lock()
	defer mu.Unlock()
	out := map[string]int{}
	for k, v := range m {
		out[k] = v
	}
	return out
}

// jitSecretOf is the Secret the runner container's JIT config comes from.
func jitSecretOf(p *corev1.Pod) string {
	for _, c := range p.Spec.Containers {
		for _, e := range c.Env {
			if c.Name == arcruntime.RunnerContainerName && e.Name == arcruntime.EnvJITConfig && e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil &&
				e.ValueFrom.SecretKeyRef.Key == arcruntime.JITConfigKey {
				return e.ValueFrom.SecretKeyRef.Name
			}
		}
	}
	return ""
}

// assertNoCredentialInPod scans a runner pod's spec (env included) and every
// Secret it can read (env references and volumes) for the PAT, an App
// private key and any installation token the simulator issues (prefix
// ghs_), and checks that the only Secret it reads is its runner's own.
func assertNoCredentialInPod(t *testing.T, h *runtimetest.Harness, p *corev1.Pod) {
	t.Helper()
	forbidden := []string{runtimetest.PAT, "PRIVATE KEY", "ghs_"}
	if h.AppPrivateKey != nil {
		// The key's body, in case it were stored without its PEM armour.
		body := strings.Split(string(h.AppPrivateKey), "\n")[1]
		forbidden = append(forbidden, body)
	}
	{
		spec, _ := json.Marshal(p.Spec)
		texts := map[string]string{"spec": string(spec)}
		secrets := map[string]bool{}
		for _, c := range append(p.Spec.InitContainers, p.Spec.Containers...) {
			for _, e := range c.Env {
				if e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil {
					secrets[e.ValueFrom.SecretKeyRef.Name] = true
				}
			}
			for _, ef := range c.EnvFrom {
				if ef.SecretRef != nil {
					secrets[ef.SecretRef.Name] = true
				}
			}
		}
		for _, v := range p.Spec.Volumes {
			if v.Secret != nil {
				secrets[v.Secret.SecretName] = true
			}
		}
		for name := range secrets {
			s := &corev1.Secret{}
			if err := h.Kube.Get(t.Context(), client.ObjectKey{Namespace: h.Namespace, Name: name}, s); err != nil {
				t.Errorf("pod %s references Secret %s: %v", p.Name, name, err)
				continue
			}
			if owner := metav1.GetControllerOf(s); owner == nil || owner.Name != p.Name || owner.Kind != v1alpha1.EphemeralRunnerKind {
				t.Errorf("pod %s reads Secret %s, which is not its own runner's", p.Name, name)
			}
			for k, v := range s.Data {
				texts["secret "+name+"/"+k] = string(v)
			}
		}
		for where, text := range texts {
			for _, f := range forbidden {
				if strings.Contains(text, f) {
					t.Errorf("pod %s: %s holds a credential (%.8s...)", p.Name, where, f)
				}
			}
		}
	}
}

// assertNothingLeft waits until the namespace has no EphemeralRunner, runner
// pod or JIT Secret, and the service no runner of the scale set.
func assertNothingLeft(t *testing.T, h *runtimetest.Harness) {
	t.Helper()
	testenv.Eventually(t, 90*time.Second, "no runner left in cluster or service", func(ctx context.Context) (bool, error) {
		rs, err := h.Runners(ctx)
		if err != nil || len(rs) > 0 {
			return false, fmt.Errorf("%d EphemeralRunners left (%v)", len(rs), err)
		}
		pods, err := h.RunnerPods(ctx)
		if err != nil || len(pods) > 0 {
			return false, fmt.Errorf("%d runner pods left (%v)", len(pods), err)
		}
		secrets := &corev1.SecretList{}
		if err := h.Kube.List(ctx, secrets, client.InNamespace(h.Namespace), client.MatchingLabels{arcruntime.LabelComponent: arcruntime.ComponentRunnerJITConfig}); err != nil || len(secrets.Items) > 0 {
			return false, fmt.Errorf("%d JIT Secrets left (%v)", len(secrets.Items), err)
		}
		st, err := h.SimClient.ActionsState(ctx)
		if err != nil {
			return false, err
		}
		for _, r := range st.Runners {
			if r.ScaleSetID == h.ScaleSetID {
				return false, fmt.Errorf("runner %s (%s) still registered", r.Name, r.Status)
			}
		}
		return true, nil
	})
}

// Deleting a set while a runner runs a job: the idle runners go at once, the
// busy one finishes its job, and the set goes with the last runner.
func TestDeletionWaitsForBusyRunner(t *testing.T) {
	h := runtimetest.Start(t, runtimetest.Options{})
	ctx := t.Context()
	set := h.CreateSet(t, "doomed", 0)
	h.Scale(t, set.Name, 3, 1)
	jobs := h.SubmitJobs(t, 1, "12s")
	wctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	started, err := h.SimClient.WaitJob(wctx, jobs[0], simclient.JobStarted)
	if err != nil {
		t.Fatalf("job did not start: %v", err)
	}
	testenv.Eventually(t, time.Minute, "3 runners registered", func(ctx context.Context) (bool, error) {
		rs, err := h.Runners(ctx)
		n := 0
		for _, r := range rs {
			if r.Status.RunnerID != 0 {
				n++
			}
		}
		return check(err == nil && n == 3, "%d runners registered (%v)", n, err)
	})

	if err := h.Kube.Delete(ctx, set); err != nil {
		t.Fatalf("delete set: %v", err)
	}
	testenv.Eventually(t, 30*time.Second, "only the busy runner left, the set waiting", func(ctx context.Context) (bool, error) {
		rs, err := h.Runners(ctx)
		if err != nil {
			return false, err
		}
		got := &v1alpha1.EphemeralRunnerSet{}
		if err := h.Kube.Get(ctx, client.ObjectKeyFromObject(set), got); err != nil {
			return false, err
		}
		return check(len(rs) == 1 && rs[0].Name == started.RunnerName && !got.DeletionTimestamp.IsZero(),
			"%d runners left, set deleting %v", len(rs), !got.DeletionTimestamp.IsZero())
	})
	j, err := h.SimClient.Job(ctx, jobs[0])
	if err != nil || j.State != simclient.JobStarted {
		t.Errorf("job: %v, state %s; want still started while the set is deleted", err, j.State)
	}
	if _, err := h.SimClient.WaitJob(wctx, jobs[0], simclient.JobCompleted); err != nil {
		t.Fatalf("job did not complete: %v", err)
	}
	testenv.Eventually(t, time.Minute, "the set gone", func(ctx context.Context) (bool, error) {
		err := h.Kube.Get(ctx, client.ObjectKeyFromObject(set), &v1alpha1.EphemeralRunnerSet{})
		return check(kerrors.IsNotFound(err), "set still there (%v)", err)
	})
	assertNothingLeft(t, h)
}

// A pod the API server refuses for quota is retried, and the runner says why
// in its status; once the quota allows it, the pod runs.
func TestQuotaRefusalIsRetriedAndShown(t *testing.T) {
	h := runtimetest.Start(t, runtimetest.Options{})
	ctx := t.Context()
	quota := &corev1.ResourceQuota{
		ObjectMeta: metav1.ObjectMeta{Name: "no-pods", Namespace: h.Namespace},
		Spec:       corev1.ResourceQuotaSpec{Hard: corev1.ResourceList{corev1.ResourcePods: resource.MustParse("0")}},
	}
	if err := h.Kube.Create(ctx, quota); err != nil {
		t.Fatalf("create quota: %v", err)
	}
	testenv.Eventually(t, time.Minute, "quota in force", func(ctx context.Context) (bool, error) {
		got := &corev1.ResourceQuota{}
		err := h.Kube.Get(ctx, client.ObjectKeyFromObject(quota), got)
		_, ok := got.Status.Hard[corev1.ResourcePods]
		return check(err == nil && ok, "quota status not computed yet (%v)", err)
	})
	set := h.CreateSet(t, "quota", 0)
	h.Scale(t, set.Name, 1, 1)
	testenv.Eventually(t, time.Minute, "the refusal shown in the runner's status", func(ctx context.Context) (bool, error) {
		rs, err := h.Runners(ctx)
		if err != nil || len(rs) != 1 {
			return false, fmt.Errorf("%d runners (%v)", len(rs), err)
		}
		s := rs[0].Status
		return check(s.Reason == "PodCreateRefused" && strings.Contains(s.Message, "exceeded quota") && s.Failures == 0,
			"runner status %s: %s (failures %d)", s.Reason, s.Message, s.Failures)
	})
	if err := h.Kube.Delete(ctx, quota); err != nil {
		t.Fatalf("delete quota: %v", err)
	}
	testenv.Eventually(t, time.Minute, "the runner's pod running", func(ctx context.Context) (bool, error) {
		rs, err := h.Runners(ctx)
		if err != nil || len(rs) != 1 {
			return false, fmt.Errorf("%d runners (%v)", len(rs), err)
		}
		return check(rs[0].Status.Phase == v1alpha1.EphemeralRunnerRunning, "runner is %s: %s", rs[0].Status.Phase, rs[0].Status.Message)
	})
	h.Scale(t, set.Name, 0, 2)
	assertNothingLeft(t, h)
}

// The provider caches only the pods and Secrets it created: a pod or a JIT
// config Secret of a runner's name that something else made is found when
// creating the runner's fails, shown on the runner and left alone; the
// registration made for a runner whose Secret name is taken is removed; once
// the pod of its name is gone, the runner gets its own.
func TestNamesTakenAreShownAndLeftAlone(t *testing.T) {
	h := runtimetest.Start(t, runtimetest.Options{})
	ctx := t.Context()
	set := h.CreateSet(t, "names", 0)
	theirs := map[string]string{"app": "other"}
	secret := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "taken-secret", Namespace: h.Namespace, Labels: theirs},
		Data: map[string][]byte{arcruntime.JITConfigKey: []byte("theirs")}}
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "taken-pod", Namespace: h.Namespace, Labels: theirs},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "example.invalid/other:1"}}}}
	for _, o := range []client.Object{secret, pod} {
		if err := h.Kube.Create(ctx, o); err != nil {
			t.Fatal(err)
		}
	}
	for _, name := range []string{secret.Name, pod.Name} {
		er := &v1alpha1.EphemeralRunner{
			ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: h.Namespace, Finalizers: []string{arcruntime.RunnerFinalizer}},
			Spec:       v1alpha1.EphemeralRunnerSpec{ScaleSet: set.Spec.ScaleSet, Template: set.Spec.Template, GitHubConfigURL: set.Spec.GitHubConfigURL},
		}
		if err := h.Kube.Create(ctx, er); err != nil {
			t.Fatal(err)
		}
	}
	reasonOf := func(ctx context.Context, name string) (v1alpha1.EphemeralRunnerStatus, error) {
		er := &v1alpha1.EphemeralRunner{}
		err := h.Kube.Get(ctx, client.ObjectKey{Namespace: h.Namespace, Name: name}, er)
		return er.Status, err
	}

	testenv.Eventually(t, time.Minute, "both names shown taken, the Secret's registration removed", func(ctx context.Context) (bool, error) {
		s, err := reasonOf(ctx, secret.Name)
		if err != nil || s.Reason != "SecretNameTaken" {
			return check(false, "runner %s: %s %s (%v)", secret.Name, s.Reason, s.Message, err)
		}
		p, err := reasonOf(ctx, pod.Name)
		if err != nil || p.Reason != "PodNameTaken" {
			return check(false, "runner %s: %s %s (%v)", pod.Name, p.Reason, p.Message, err)
		}
		st, err := h.SimClient.ActionsState(ctx)
		if err != nil {
			return false, err
		}
		for _, r := range st.Runners {
			if r.Name == secret.Name {
				return check(false, "runner %s registered (%s)", r.Name, r.Status)
			}
		}
		return true, nil
	})
	leftSecret, leftPod := &corev1.Secret{}, &corev1.Pod{}
	if err := h.Kube.Get(ctx, client.ObjectKeyFromObject(secret), leftSecret); err != nil {
		t.Fatal(err)
	}
	if err := h.Kube.Get(ctx, client.ObjectKeyFromObject(pod), leftPod); err != nil {
		t.Fatal(err)
	}
	if string(leftSecret.Data[arcruntime.JITConfigKey]) != "theirs" || len(leftSecret.OwnerReferences)+len(leftPod.OwnerReferences) != 0 || leftPod.UID != pod.UID {
		t.Errorf("the other Secret or pod was changed: Secret %q owners %v, pod owners %v, pod uid %s (was %s)",
			leftSecret.Data[arcruntime.JITConfigKey], leftSecret.OwnerReferences, leftPod.OwnerReferences, leftPod.UID, pod.UID)
	}

	if err := h.Kube.Delete(ctx, pod, client.GracePeriodSeconds(0)); err != nil {
		t.Fatal(err)
	}
	testenv.Eventually(t, time.Minute, "the runner's own pod", func(ctx context.Context) (bool, error) {
		p := &corev1.Pod{}
		if err := h.Kube.Get(ctx, client.ObjectKeyFromObject(pod), p); err != nil {
			return check(false, "no pod %s yet (%v)", pod.Name, err)
		}
		return check(p.Labels[arcruntime.LabelManagedBy] == arcruntime.ManagedBy && p.UID != pod.UID, "pod %s labels %v", p.Name, p.Labels)
	})

	for _, name := range []string{secret.Name, pod.Name} {
		if err := h.Kube.Delete(ctx, &v1alpha1.EphemeralRunner{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: h.Namespace}}); err != nil {
			t.Fatal(err)
		}
	}
	assertNothingLeft(t, h)
}

// jitConfigEndpoint is the simulator's counter of runner registrations.
const jitConfigEndpoint = "POST /_actions/{tenant}/_apis/runtime/runnerscalesets/{id}/generatejitconfig"

// Three runners run three jobs; while they run, the listener writes a patch
// the set answers with nothing to create (its replicas are the runners it
// has). The runners exit when the jobs end, before any lower replicas. With
// the jobs counted running in that patch the set keeps their slots: no new
// runner, the set empties. Counted as nothing (ARC's rule), the first exits
// are replaced by runners that no job needs.
func TestRunnersOfJobsEndedSinceTheStatisticsAreNotReplaced(t *testing.T) {
	cases := map[string]struct {
		reason       string
		runningJobs  int32
		wantReplaced bool
	}{
		"JobsCountedRunning": {
			reason:      "the set keeps a slot for each job the statistics count running whose runner exited",
			runningJobs: 3,
		},
		"NoJobsCounted": {
			reason:       "without running jobs in the patch an exit under an unanswered patch is replaced",
			runningJobs:  0,
			wantReplaced: true,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			h := runtimetest.Start(t, runtimetest.Options{})
			ctx := t.Context()
			set := h.CreateSet(t, "ended", 0)
			h.Scale(t, set.Name, 3, 1)
			jobs := h.SubmitJobs(t, 3, "6s")
			wctx, cancel := context.WithTimeout(ctx, 90*time.Second)
			defer cancel()
			first := map[string]bool{}
			for _, id := range jobs {
				j, err := h.SimClient.WaitJob(wctx, id, simclient.JobStarted)
				if err != nil {
					t.Fatalf("job %d did not start: %v", id, err)
				}
				first[j.RunnerName] = true
			}
			h.ScaleRunning(t, set.Name, 3, tc.runningJobs, 2)
			if _, err := h.SimClient.WaitJobs(wctx, simclient.JobCompleted, jobs...); err != nil {
				t.Fatalf("jobs did not complete: %v", err)
			}

			newRunners := 0
			testenv.Eventually(t, 60*time.Second, "the first runners gone, and the set empty or holding new runners", func(ctx context.Context) (bool, error) {
				rs, err := h.Runners(ctx)
				if err != nil {
					return false, err
				}
				newRunners = 0
				for _, r := range rs {
					if first[r.Name] {
						return check(false, "runner %s of a job still there", r.Name)
					}
					newRunners++
				}
				cur := &v1alpha1.EphemeralRunnerSet{}
				if err := h.Kube.Get(ctx, client.ObjectKeyFromObject(set), cur); err != nil {
					return false, err
				}
				st := cur.Status
				return check(st.ObservedPatchID == 2 && int(st.CurrentReplicas) == newRunners && (newRunners > 0) == tc.wantReplaced,
					"%d new runners, current %d, observed patch %d", newRunners, st.CurrentReplicas, st.ObservedPatchID)
			})
			if got, want := h.Sim.Counters().Calls(jitConfigEndpoint), int64(3+newRunners); got != want {
				t.Errorf("%s\nJIT configs: got %d, want %d (3 and one per new runner)", tc.reason, got, want)
			}

			// Idle at the floor, the listener's full reconcile removes what is left.
			h.Scale(t, set.Name, 0, 0)
			assertNothingLeft(t, h)
		})
	}
}
