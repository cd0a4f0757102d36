package oncluster_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/arc-crossplane/provider-github-arc/cluster/demo"
	"github.com/arc-crossplane/provider-github-arc/cluster/testenv"
	"github.com/arc-crossplane/provider-github-arc/internal/function"
)

// TestCrossplaneBadInput: what a person gets wrong reaches them as a clear message on
// the object Crossplane shows them, and breaks nothing that runs.
func TestCrossplaneBadInput(t *testing.T) {
	env := getWorld(t)

	t.Run("the XRD's validation rejects an XR and a claim with its own message", func(t *testing.T) {
		ctx := t.Context()
		ns := teamNamespace(t, env, "e2e-bad-spec")
		for _, gvk := range []struct{ kind, name string }{{demo.CompositeGVK.Kind, "xr"}, {demo.ClaimGVK.Kind, "claim"}} {
			u := composite(gvk.kind, ns, gvk.name, "github")
			_ = unstructured.SetNestedField(u.Object, int64(5), "spec", "minRunners")
			_ = unstructured.SetNestedField(u.Object, int64(2), "spec", "maxRunners")
			err := env.Kube.Create(ctx, u)
			const want = "maxRunners must be greater than or equal to minRunners"
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("creating a %s with minRunners 5 and maxRunners 2: got %v, want the XRD's message %q", gvk.kind, err, want)
			}
		}
	})

	t.Run("a claim naming a missing ProviderConfig says so on the claim", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
		defer cancel()
		ns := teamNamespace(t, env, "e2e-bad-config")
		claim := composite(demo.ClaimGVK.Kind, ns, "no-config", "does-not-exist")
		if err := env.Kube.Create(ctx, claim); err != nil {
			t.Fatalf("cannot create the claim: %v", err)
		}
		t.Cleanup(func() { deleteAndWait(t, env, claim) })
		var last string
		testenv.Eventually(t, 2*time.Minute, "a condition on the claim that names the missing ClusterProviderConfig", func(ctx context.Context) (bool, error) {
			got := claim.DeepCopy()
			if err := env.Kube.Get(ctx, client.ObjectKeyFromObject(claim), got); err != nil {
				return false, err
			}
			last = conditionsOf(got)
			c := demo.Condition(got, function.TypeResourcesSynced)
			if c.Status == corev1.ConditionFalse && strings.Contains(c.Message, `ClusterProviderConfig "does-not-exist"`) {
				return true, nil
			}
			return false, fmt.Errorf("conditions: %s", last)
		})
		t.Logf("the claim's conditions: %s", last)
	})

	t.Run("a configuration whose dependency version is not in the registry says so and leaves the installed packages serving", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
		defer cancel()
		root := t.TempDir()
		meta := `apiVersion: meta.pkg.crossplane.io/v1
kind: Configuration
metadata:
  name: configuration-needs-a-future-function
spec:
  dependsOn:
  - function: ghcr.io/arc-crossplane/function-github-arc
    version: ">=v9.0.0 <v9.1.0"
`
		if err := os.WriteFile(filepath.Join(root, "crossplane.yaml"), []byte(meta), 0o600); err != nil {
			t.Fatal(err)
		}
		ref, err := env.BuildAndPush(ctx, root, "configuration-needs-a-future-function", "v0.1.0")
		if err != nil {
			t.Fatal(err)
		}
		cfg := &unstructured.Unstructured{Object: map[string]any{
			"apiVersion": "pkg.crossplane.io/v1", "kind": "Configuration",
			"metadata": map[string]any{"name": "needs-a-future-function"},
			"spec":     map[string]any{"package": ref},
		}}
		if err := env.Kube.Create(ctx, cfg); err != nil {
			t.Fatalf("cannot install %s: %v", ref, err)
		}
		t.Cleanup(func() { deleteAndWait(t, env, cfg) })
		var last string
		testenv.Eventually(t, 2*time.Minute, "the Configuration unhealthy, naming the dependency it cannot meet", func(ctx context.Context) (bool, error) {
			got, err := env.Package(ctx, "Configuration", "needs-a-future-function")
			if err != nil {
				return false, err
			}
			last = conditionsOf(got)
			if c := demo.Condition(got, "Healthy"); c.Status == corev1.ConditionFalse && strings.Contains(c.Message, "function-github-arc") {
				return true, nil
			}
			return false, fmt.Errorf("conditions: %s", last)
		})
		t.Logf("the Configuration's conditions: %s", last)
		for _, p := range []struct{ kind, name string }{
			{"Function", demo.FunctionName}, {"Configuration", demo.ConfigurationName}, {"Provider", demo.ProviderName},
		} {
			got, err := env.Package(ctx, p.kind, p.name)
			if err != nil {
				t.Fatal(err)
			}
			if c := demo.Condition(got, "Healthy"); c.Status != corev1.ConditionTrue {
				t.Errorf("%s %s is not healthy beside the broken configuration: %s", p.kind, p.name, conditionsOf(got))
			}
		}
	})
}

// teamNamespace creates a namespace for the test, removed with it.
func teamNamespace(t *testing.T, env *demo.Env, name string) string {
	t.Helper()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{demo.LabelDemo: "true"}}}
	if err := env.Kube.Create(t.Context(), ns); err != nil {
		t.Fatalf("cannot create namespace %s: %v", name, err)
	}
	t.Cleanup(func() { deleteAndWait(t, env, ns) })
	return name
}

// composite is an AutoscalingRunnerSet or its claim that names a
// ClusterProviderConfig.
func composite(kind, ns, name, providerConfig string) *unstructured.Unstructured {
	return &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": demo.CompositeGVK.GroupVersion().String(), "kind": kind,
		"metadata": map[string]any{"name": name, "namespace": ns},
		"spec": map[string]any{
			"scaleSetName":      ns + "-" + name,
			"maxRunners":        int64(2),
			"providerConfigRef": map[string]any{"kind": "ClusterProviderConfig", "name": providerConfig},
		},
	}}
}

func deleteAndWait(t *testing.T, env *demo.Env, obj client.Object) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	if err := env.DeleteAndWait(ctx, client.ObjectKeyFromObject(obj), obj.DeepCopyObject().(client.Object), 2*time.Minute); err != nil {
		t.Errorf("cleaning up: %v", err)
	}
}

// conditionsOf is an object's conditions, for a person.
func conditionsOf(u *unstructured.Unstructured) string {
	var out []string
	for _, c := range demo.Conditions(u) {
		out = append(out, fmt.Sprintf("%s=%s (%s: %s)", c.Type, c.Status, c.Reason, c.Message))
	}
	return strings.Join(out, "; ")
}
