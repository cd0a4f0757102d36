package runtime_test

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	kerrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	"github.com/arc-crossplane/provider-github-arc/cluster/testenv"
	arcruntime "github.com/arc-crossplane/provider-github-arc/internal/controller/runtime"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// On the real API server, a manager with the provider's options caches only the
// Pods, Secrets and ConfigMaps the provider created, and its client reads the
// Secrets and ConfigMaps it lacks (credentials, CA bundles) past the cache.
func TestManagerCachesOnlyWhatTheProviderCreated(t *testing.T) {
	env := testenv.Get(t)
	ns := env.Namespace(t)
	ctx := t.Context()

	objects := map[string]func(name string, labels map[string]string) client.Object{
		"Pod": func(name string, labels map[string]string) client.Object {
			return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns, Labels: labels},
				Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "example.invalid/c:1"}}}}
		},
		"Secret": func(name string, labels map[string]string) client.Object {
			return &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns, Labels: labels}}
		},
		"ConfigMap": func(name string, labels map[string]string) client.Object {
			return &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns, Labels: labels}}
		},
	}
	ours := map[string]string{arcruntime.LabelManagedBy: arcruntime.ManagedBy}
	for _, newObj := range objects {
		for name, labels := range map[string]map[string]string{"ours": ours, "theirs": {"app": "other"}} {
			if err := env.Client.Create(ctx, newObj(name, labels)); err != nil {
				t.Fatal(err)
			}
		}
	}

	mgr := startManager(t, env, ns)

	// kind -> name -> found in the cache, found through the manager's client.
	got := map[string]map[string][2]bool{}
	for kind, newObj := range objects {
		got[kind] = map[string][2]bool{}
		for _, name := range []string{"ours", "theirs"} {
			var found [2]bool
			for i, r := range []client.Reader{mgr.GetCache(), mgr.GetClient()} {
				// A cache Get starts the kind's informer and waits for it
				// to sync: what it does not find, the cache does not hold.
				err := r.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, newObj(name, nil))
				if err != nil && !kerrors.IsNotFound(err) {
					t.Fatalf("%s %s: %v", kind, name, err)
				}
				found[i] = err == nil
			}
			got[kind][name] = found
		}
	}
	want := map[string]map[string][2]bool{
		"Pod":       {"ours": {true, true}, "theirs": {false, false}},
		"Secret":    {"ours": {true, true}, "theirs": {false, true}},
		"ConfigMap": {"ours": {true, true}, "theirs": {false, true}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("found [in the cache, through the client]: -want +got:\n%s", diff)
	}
}

// On the real API server, a credentials Secret the manager's client read past
// the cache is read again once RecentReadTTL is over: a rotated credential
// reaches the next reconciles within seconds.
func TestRotatedCredentialsAreReadAgain(t *testing.T) {
	env := testenv.Get(t)
	ns := env.Namespace(t)
	ctx := t.Context()
	creds := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "creds", Namespace: ns}, Data: map[string][]byte{"token": []byte("old")}}
	if err := env.Client.Create(ctx, creds); err != nil {
		t.Fatal(err)
	}
	mgr := startManager(t, env, ns)
	token := func(ctx context.Context) (string, error) {
		got := &corev1.Secret{}
		err := mgr.GetClient().Get(ctx, client.ObjectKeyFromObject(creds), got)
		return string(got.Data["token"]), err
	}
	if got, err := token(ctx); err != nil || got != "old" {
		t.Fatalf("token %q (%v), want old", got, err)
	}
	creds.Data["token"] = []byte("new")
	if err := env.Client.Update(ctx, creds); err != nil {
		t.Fatal(err)
	}
	testenv.Eventually(t, 3*arcruntime.RecentReadTTL, "the rotated token read", func(ctx context.Context) (bool, error) {
		got, err := token(ctx)
		return got == "new", err
	})
}

// startManager starts a manager with the provider's options on namespace ns
// and waits for its cache.
func startManager(t *testing.T, env *testenv.Env, ns string) ctrl.Manager {
	t.Helper()
	mgr, err := ctrl.NewManager(env.Config, arcruntime.ManagerOptions(ctrl.Options{
		Scheme:                 env.Scheme,
		Cache:                  cache.Options{DefaultNamespaces: map[string]cache.Config{ns: {}}},
		Metrics:                metricsserver.Options{BindAddress: "0"},
		HealthProbeBindAddress: "0",
	}))
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = mgr.Start(t.Context()) }()
	if !mgr.GetCache().WaitForCacheSync(t.Context()) {
		t.Fatal("cache not synced")
	}
	return mgr
}

// On the real API server, DeleteExact leaves alone an object that replaced
// the one read under its name, and deletes the one read.
func TestDeleteExactOnTheAPIServer(t *testing.T) {
	env := testenv.Get(t)
	ns := env.Namespace(t)
	ctx := t.Context()
	create := func() *corev1.Secret {
		s := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "exact", Namespace: ns}}
		if err := env.Client.Create(ctx, s); err != nil {
			t.Fatal(err)
		}
		return s
	}
	first := create()
	if err := env.Client.Delete(ctx, first.DeepCopy()); err != nil {
		t.Fatal(err)
	}
	successor := create()
	if err := arcruntime.DeleteExact(ctx, env.Client, first); err != nil {
		t.Fatalf("delete of the replaced Secret: %v, want no error", err)
	}
	if err := env.Client.Get(ctx, client.ObjectKeyFromObject(successor), &corev1.Secret{}); err != nil {
		t.Fatalf("the successor: %v, want it kept", err)
	}
	if err := arcruntime.DeleteExact(ctx, env.Client, successor); err != nil {
		t.Fatal(err)
	}
	if err := env.Client.Get(ctx, client.ObjectKeyFromObject(successor), &corev1.Secret{}); !kerrors.IsNotFound(err) {
		t.Fatalf("the successor after its own delete: %v, want it gone", err)
	}
}
