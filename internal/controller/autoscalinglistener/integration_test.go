package autoscalinglistener_test

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	kerrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/arc-crossplane/provider-github-arc/apis/runners/v1alpha1"
	"github.com/arc-crossplane/provider-github-arc/cluster/testenv"
	"github.com/arc-crossplane/provider-github-arc/internal/controller/autoscalinglistener"
	"github.com/arc-crossplane/provider-github-arc/internal/controller/runtime/runtimetest"
	"github.com/arc-crossplane/provider-github-arc/internal/listener"
	"github.com/arc-crossplane/provider-github-arc/internal/simulator/simclient"
)

func TestMain(m *testing.M) {
	runtimetest.AddToSchemes()
	testenv.Main(m)
}

const listenerImage = "example.invalid/listener:test"

func newListener(h *runtimetest.Harness, name, setName string, maxRunners int32) *v1alpha1.AutoscalingListener {
	return &v1alpha1.AutoscalingListener{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: h.Namespace},
		Spec: v1alpha1.AutoscalingListenerSpec{
			ScaleSet: h.ScaleSetRef(), EphemeralRunnerSetName: setName, MaxRunners: ptr.To(maxRunners), GitHubConfigURL: h.ConfigURL,
		},
	}
}

// The listener gets a ServiceAccount, a Role, a RoleBinding, a config Secret
// (contract 3) and a pod; the pod is replaced when it ends; everything goes
// with the listener. The listener's token, checked by the real API server,
// may patch its own EphemeralRunnerSet and its runners' status, and nothing
// else.
func TestListenerObjectsAndRBAC(t *testing.T) {
	h := runtimetest.Start(t, runtimetest.Options{ListenerImage: listenerImage, NoAcquirer: true})
	ctx := t.Context()
	mine := h.CreateSet(t, "mine", 0)
	other := h.CreateSet(t, "other", 0)
	l := newListener(h, "linux", mine.Name, 7)
	if err := h.Kube.Create(ctx, l); err != nil {
		t.Fatalf("create listener: %v", err)
	}

	pod := &corev1.Pod{}
	testenv.Eventually(t, time.Minute, "listener pod running", func(ctx context.Context) (bool, error) {
		if err := h.Kube.Get(ctx, client.ObjectKey{Namespace: h.Namespace, Name: autoscalinglistener.PodName(l)}, pod); err != nil {
			return false, err
		}
		return pod.Status.Phase == corev1.PodRunning, nil
	})

	// The pod, as contract 3 says.
	c := pod.Spec.Containers[0]
	if len(pod.Spec.Containers) != 1 || c.Name != "listener" || c.Image != listenerImage || !cmp.Equal(c.Command, []string{"/listener"}) {
		t.Errorf("listener container %s image %s command %v", c.Name, c.Image, c.Command)
	}
	if pod.Spec.ServiceAccountName != autoscalinglistener.ServiceAccountName(l) || pod.Labels["app.kubernetes.io/component"] != "listener" {
		t.Errorf("pod service account %q labels %v", pod.Spec.ServiceAccountName, pod.Labels)
	}
	env := map[string]string{}
	for _, e := range c.Env {
		env[e.Name] = e.Value
		if e.ValueFrom != nil && e.ValueFrom.FieldRef != nil {
			env[e.Name] = e.ValueFrom.FieldRef.FieldPath
		}
	}
	wantEnv := map[string]string{"LISTENER_CONFIG_PATH": "/etc/arc-listener/config.json", "POD_NAME": "metadata.name", "POD_NAMESPACE": "metadata.namespace"}
	if diff := cmp.Diff(wantEnv, env); diff != "" {
		t.Errorf("listener env: -want +got:\n%s", diff)
	}
	// Admission adds the ServiceAccount token volume; the config volume is
	// ours.
	configMounted := false
	for _, m := range c.VolumeMounts {
		for _, v := range pod.Spec.Volumes {
			if v.Name == m.Name && v.Secret != nil && v.Secret.SecretName == autoscalinglistener.ConfigSecretName(l) {
				configMounted = m.MountPath == "/etc/arc-listener" && m.ReadOnly
			}
		}
	}
	if !configMounted {
		t.Errorf("config Secret not mounted read-only at /etc/arc-listener: volumes %+v, mounts %+v", pod.Spec.Volumes, c.VolumeMounts)
	}

	// The config Secret, readable by the listener's own parser.
	sec := &corev1.Secret{}
	if err := h.Kube.Get(ctx, client.ObjectKey{Namespace: h.Namespace, Name: autoscalinglistener.ConfigSecretName(l)}, sec); err != nil {
		t.Fatalf("config secret: %v", err)
	}
	cfg, err := listener.ParseConfig(sec.Data[listener.ConfigFileKey])
	if err != nil {
		t.Fatalf("config.json: %v", err)
	}
	want := listener.ListenerConfig{
		GitHubConfigURL: h.ConfigURL, ScaleSetID: int64(h.ScaleSetID), ScaleSetName: runtimetest.ScaleSet,
		EphemeralRunnerSetNamespace: h.Namespace, EphemeralRunnerSetName: mine.Name, MinRunners: 0, MaxRunners: 7,
		Token: runtimetest.PAT, CABundle: string(h.Sim.CACertPEM), MetricsAddr: ":8080", HealthAddr: ":8081", LogLevel: "info",
		MessageBatchWindowMilliseconds: new(int(listener.DefaultMessageBatchWindow / time.Millisecond)),
	}
	if diff := cmp.Diff(want, *cfg); diff != "" {
		t.Errorf("config.json: -want +got:\n%s", diff)
	}

	// The Role, exactly.
	role := &rbacv1.Role{}
	if err := h.Kube.Get(ctx, client.ObjectKey{Namespace: h.Namespace, Name: autoscalinglistener.ServiceAccountName(l)}, role); err != nil {
		t.Fatalf("role: %v", err)
	}
	wantRules := []rbacv1.PolicyRule{
		{APIGroups: []string{v1alpha1.Group}, Resources: []string{"ephemeralrunnersets"}, ResourceNames: []string{mine.Name}, Verbs: []string{"patch"}},
		{APIGroups: []string{v1alpha1.Group}, Resources: []string{"ephemeralrunners/status"}, Verbs: []string{"patch"}},
	}
	if diff := cmp.Diff(wantRules, role.Rules); diff != "" {
		t.Errorf("role rules: -want +got:\n%s", diff)
	}

	// What the listener's token may do, as the API server decides.
	as := listenerClient(t, h, autoscalinglistener.ServiceAccountName(l), pod)
	scale := client.RawPatch("application/merge-patch+json", []byte(`{"spec":{"replicas":2,"patchID":1}}`))
	if err := as.Patch(ctx, &v1alpha1.EphemeralRunnerSet{ObjectMeta: metav1.ObjectMeta{Name: mine.Name, Namespace: h.Namespace}}, scale); err != nil {
		t.Errorf("listener cannot patch its own EphemeralRunnerSet: %v", err)
	}
	if err := as.Patch(ctx, &v1alpha1.EphemeralRunnerSet{ObjectMeta: metav1.ObjectMeta{Name: other.Name, Namespace: h.Namespace}}, scale); !kerrors.IsForbidden(err) {
		t.Errorf("patch of another EphemeralRunnerSet: %v, want Forbidden", err)
	}
	if err := as.Get(ctx, client.ObjectKeyFromObject(sec), &corev1.Secret{}); !kerrors.IsForbidden(err) {
		t.Errorf("read of a Secret: %v, want Forbidden", err)
	}
	if err := as.List(ctx, &corev1.SecretList{}, client.InNamespace(h.Namespace)); !kerrors.IsForbidden(err) {
		t.Errorf("list of Secrets: %v, want Forbidden", err)
	}
	rogue := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "rogue", Namespace: h.Namespace},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "example.invalid/x:1"}}}}
	if err := as.Create(ctx, rogue); !kerrors.IsForbidden(err) {
		t.Errorf("create of a pod: %v, want Forbidden", err)
	}

	// A listener pod that ends is replaced.
	ended := pod.DeepCopy()
	ended.Status.Phase = corev1.PodFailed
	if err := h.Kube.Status().Update(ctx, ended); err != nil {
		t.Fatalf("end the listener pod: %v", err)
	}
	testenv.Eventually(t, time.Minute, "a new listener pod, counted in status", func(ctx context.Context) (bool, error) {
		p := &corev1.Pod{}
		if err := h.Kube.Get(ctx, client.ObjectKey{Namespace: h.Namespace, Name: autoscalinglistener.PodName(l)}, p); err != nil {
			return false, err
		}
		got := &v1alpha1.AutoscalingListener{}
		if err := h.Kube.Get(ctx, client.ObjectKeyFromObject(l), got); err != nil {
			return false, err
		}
		return p.UID != pod.UID && p.Status.Phase == corev1.PodRunning && got.Status.PodRecreations == 1, nil
	})

	// Everything goes with the listener.
	if err := h.Kube.Delete(ctx, l); err != nil {
		t.Fatalf("delete listener: %v", err)
	}
	owned := []client.Object{
		&corev1.Pod{}, &corev1.Secret{}, &corev1.ServiceAccount{}, &rbacv1.Role{}, &rbacv1.RoleBinding{},
	}
	names := []string{autoscalinglistener.PodName(l), autoscalinglistener.ConfigSecretName(l), autoscalinglistener.ServiceAccountName(l),
		autoscalinglistener.ServiceAccountName(l), autoscalinglistener.ServiceAccountName(l)}
	testenv.Eventually(t, 2*time.Minute, "the listener's objects garbage-collected", func(ctx context.Context) (bool, error) {
		for i, o := range owned {
			err := h.Kube.Get(ctx, client.ObjectKey{Namespace: h.Namespace, Name: names[i]}, o)
			if !kerrors.IsNotFound(err) {
				return false, fmt.Errorf("%T %s still there (%v)", o, names[i], err)
			}
		}
		return true, nil
	})
}

// The provider caches only the pods it created: a pod of the listener's name
// that something else made is found when the listener's cannot be created,
// reported in the listener's Ready condition and left alone; once it is gone
// the listener gets its pod.
func TestPodOfTheListenersNameTaken(t *testing.T) {
	h := runtimetest.Start(t, runtimetest.Options{ListenerImage: listenerImage, NoAcquirer: true})
	ctx := t.Context()
	set := h.CreateSet(t, "taken", 0)
	l := newListener(h, "taken", set.Name, 3)
	other := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: autoscalinglistener.PodName(l), Namespace: h.Namespace, Labels: map[string]string{"app": "other"}},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "example.invalid/other:1"}}}}
	if err := h.Kube.Create(ctx, other); err != nil {
		t.Fatalf("create the other pod: %v", err)
	}
	if err := h.Kube.Create(ctx, l); err != nil {
		t.Fatalf("create listener: %v", err)
	}

	waitNotReady(t, h, l, autoscalinglistener.NameTakenReason("Pod"))
	left := &corev1.Pod{}
	if err := h.Kube.Get(ctx, client.ObjectKeyFromObject(other), left); err != nil {
		t.Fatalf("the other pod: %v", err)
	}
	if left.UID != other.UID || len(left.OwnerReferences) != 0 {
		t.Errorf("the other pod was replaced or adopted: uid %s (was %s), owners %v", left.UID, other.UID, left.OwnerReferences)
	}

	if err := h.Kube.Delete(ctx, other, client.GracePeriodSeconds(0)); err != nil {
		t.Fatalf("delete the other pod: %v", err)
	}
	testenv.Eventually(t, time.Minute, "the listener's own pod", func(ctx context.Context) (bool, error) {
		p := &corev1.Pod{}
		err := h.Kube.Get(ctx, client.ObjectKeyFromObject(other), p)
		if kerrors.IsNotFound(err) {
			return false, nil
		}
		return err == nil && metav1.IsControlledBy(p, l), err
	})
}

// waitNotReady waits until the listener is not ready for reason.
func waitNotReady(t *testing.T, h *runtimetest.Harness, l *v1alpha1.AutoscalingListener, reason string) {
	t.Helper()
	testenv.Eventually(t, time.Minute, "the listener not ready: "+reason, func(ctx context.Context) (bool, error) {
		got := &v1alpha1.AutoscalingListener{}
		if err := h.Kube.Get(ctx, client.ObjectKeyFromObject(l), got); err != nil {
			return false, err
		}
		c := meta.FindStatusCondition(got.Status.Conditions, v1alpha1.ConditionTypeReady)
		return c != nil && c.Status == metav1.ConditionFalse && c.Reason == reason, nil
	})
}

// A config Secret or a Role of the listener's name that something else made
// is neither adopted nor changed: the listener says whose name is taken and
// goes on once it is free. (The Secret is outside the provider's cache, the
// Role in it.)
func TestObjectsOfTheListenersNamesTaken(t *testing.T) {
	h := runtimetest.Start(t, runtimetest.Options{ListenerImage: listenerImage, NoAcquirer: true})
	ctx := t.Context()
	set := h.CreateSet(t, "names", 0)
	l := newListener(h, "names", set.Name, 3)
	secret := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: autoscalinglistener.ConfigSecretName(l), Namespace: h.Namespace},
		StringData: map[string]string{"team": "data"}}
	teamRule := rbacv1.PolicyRule{APIGroups: []string{""}, Resources: []string{"configmaps"}, Verbs: []string{"get"}}
	role := &rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Name: autoscalinglistener.ServiceAccountName(l), Namespace: h.Namespace},
		Rules: []rbacv1.PolicyRule{teamRule}}
	for _, o := range []client.Object{secret, role, l} {
		if err := h.Kube.Create(ctx, o); err != nil {
			t.Fatalf("create %T: %v", o, err)
		}
	}

	waitNotReady(t, h, l, autoscalinglistener.NameTakenReason("Secret"))
	gotSecret := &corev1.Secret{}
	if err := h.Kube.Get(ctx, client.ObjectKeyFromObject(secret), gotSecret); err != nil {
		t.Fatalf("the team's Secret: %v", err)
	}
	if string(gotSecret.Data["team"]) != "data" || len(gotSecret.Data) != 1 || len(gotSecret.OwnerReferences) != 0 {
		t.Errorf("the team's Secret was changed or adopted: keys %d, owners %v", len(gotSecret.Data), gotSecret.OwnerReferences)
	}
	if err := h.Kube.Delete(ctx, secret); err != nil {
		t.Fatalf("delete the team's Secret: %v", err)
	}

	waitNotReady(t, h, l, autoscalinglistener.NameTakenReason("Role"))
	gotRole := &rbacv1.Role{}
	if err := h.Kube.Get(ctx, client.ObjectKeyFromObject(role), gotRole); err != nil {
		t.Fatalf("the team's Role: %v", err)
	}
	if diff := cmp.Diff([]rbacv1.PolicyRule{teamRule}, gotRole.Rules); diff != "" || len(gotRole.OwnerReferences) != 0 {
		t.Errorf("the team's Role was changed (-want, +got):\n%s\nowners %v", diff, gotRole.OwnerReferences)
	}
	if err := h.Kube.Delete(ctx, role); err != nil {
		t.Fatalf("delete the team's Role: %v", err)
	}

	testenv.Eventually(t, time.Minute, "the listener's own Secret, Role and pod", func(ctx context.Context) (bool, error) {
		for _, own := range []struct {
			obj  client.Object
			name string
		}{
			{&corev1.Secret{}, autoscalinglistener.ConfigSecretName(l)},
			{&rbacv1.Role{}, autoscalinglistener.ServiceAccountName(l)},
			{&corev1.Pod{}, autoscalinglistener.PodName(l)},
		} {
			err := h.Kube.Get(ctx, client.ObjectKey{Namespace: h.Namespace, Name: own.name}, own.obj)
			if kerrors.IsNotFound(err) {
				return false, nil
			}
			if err != nil || !metav1.IsControlledBy(own.obj, l) {
				return false, err
			}
		}
		return true, nil
	})
}

// listenerClient is a client with a token of the listener's ServiceAccount,
// bound to its pod, as the pod would have.
func listenerClient(t *testing.T, h *runtimetest.Harness, sa string, pod *corev1.Pod) client.Client {
	t.Helper()
	cs, err := kubernetes.NewForConfig(h.Env.Config)
	if err != nil {
		t.Fatal(err)
	}
	tr, err := cs.CoreV1().ServiceAccounts(h.Namespace).CreateToken(t.Context(), sa, &authenticationv1.TokenRequest{Spec: authenticationv1.TokenRequestSpec{
		BoundObjectRef: &authenticationv1.BoundObjectReference{Kind: "Pod", APIVersion: "v1", Name: pod.Name, UID: pod.UID},
	}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("token for %s: %v", sa, err)
	}
	cfg := rest.AnonymousClientConfig(h.Env.Config)
	cfg.BearerToken = tr.Status.Token
	c, err := client.New(cfg, client.Options{Scheme: h.Env.Scheme})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// The whole runtime, listener included: the stand-in runs the real listener
// binary for the listener pod, with its ServiceAccount's token; the listener
// acquires the jobs and scales the set; the runners run the jobs once each;
// the set goes back to zero.
func TestListenerDrivesTheRunnerSet(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "listener")
	build := exec.CommandContext(t.Context(), "go", "build", "-o", bin, "github.com/arc-crossplane/provider-github-arc/cmd/listener")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build cmd/listener: %v\n%s", err, out)
	}
	h := runtimetest.Start(t, runtimetest.Options{
		ListenerImage: listenerImage, ListenerBinary: bin, NoAcquirer: true,
		ListenerEnv: []string{"LISTENER_METRICS_ADDR=127.0.0.1:0", "LISTENER_HEALTH_ADDR=127.0.0.1:0"},
	})
	ctx := t.Context()
	set := h.CreateSet(t, "linux", 0)
	l := newListener(h, "linux", set.Name, 5)
	if err := h.Kube.Create(ctx, l); err != nil {
		t.Fatalf("create listener: %v", err)
	}
	testenv.Eventually(t, time.Minute, "the listener holds the scale set's session", func(ctx context.Context) (bool, error) {
		st, err := h.SimClient.ActionsState(ctx)
		if err != nil {
			return false, err
		}
		for _, ss := range st.ScaleSets {
			if ss.ID == h.ScaleSetID && ss.Session != nil {
				return true, nil
			}
		}
		return false, errors.New("no session yet")
	})

	jobs := h.SubmitJobs(t, 8, "3s")
	wctx, cancel := context.WithTimeout(ctx, 3*time.Minute)
	defer cancel()
	done, err := h.SimClient.WaitJobs(wctx, simclient.JobCompleted, jobs...)
	if err != nil {
		t.Fatalf("jobs did not complete: %v", err)
	}
	for _, j := range done {
		if j.Runs != 1 || j.Result != simclient.ResultSucceeded {
			t.Errorf("job %d ran %d times with result %q, want once, succeeded", j.ID, j.Runs, j.Result)
		}
	}
	testenv.Eventually(t, 2*time.Minute, "the set back to zero runners", func(ctx context.Context) (bool, error) {
		got := &v1alpha1.EphemeralRunnerSet{}
		if err := h.Kube.Get(ctx, client.ObjectKeyFromObject(set), got); err != nil {
			return false, err
		}
		rs, err := h.Runners(ctx)
		if err != nil {
			return false, err
		}
		if got.Spec.Replicas == 0 && len(rs) == 0 {
			return true, nil
		}
		return false, fmt.Errorf("replicas %d, %d runners", got.Spec.Replicas, len(rs))
	})
}
