package testenv_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/arc-crossplane/provider-github-arc/cluster/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// The control plane is whole: kwok runs a pod (the scheduler placed it on a fake node)
// and kube-controller-manager's garbage collector deletes it once its owner is gone.
func TestPodRunsAndIsGarbageCollectedWithItsOwner(t *testing.T) {
	env := testenv.Get(t)
	ns := env.Namespace(t)
	c := env.Client

	owner := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "owner", Namespace: ns}}
	if err := c.Create(t.Context(), owner); err != nil {
		t.Fatalf("create owner: %v", err)
	}
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{
			Name:      "owned",
			Namespace: ns,
			OwnerReferences: []metav1.OwnerReference{{
				APIVersion: "v1", Kind: "ConfigMap", Name: owner.Name, UID: owner.UID,
			}},
		},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "main", Image: "example.invalid/nothing:1"}}},
	}
	if err := c.Create(t.Context(), pod); err != nil {
		t.Fatalf("create pod: %v", err)
	}

	testenv.Eventually(t, time.Minute, "pod Running on a node", func(ctx context.Context) (bool, error) {
		got := &corev1.Pod{}
		if err := c.Get(ctx, client.ObjectKeyFromObject(pod), got); err != nil {
			return false, err
		}
		return got.Status.Phase == corev1.PodRunning && got.Spec.NodeName != "", nil
	})

	if err := c.Delete(t.Context(), owner, client.PropagationPolicy(metav1.DeletePropagationBackground)); err != nil {
		t.Fatalf("delete owner: %v", err)
	}
	testenv.Eventually(t, 2*time.Minute, "pod garbage-collected", func(ctx context.Context) (bool, error) {
		err := c.Get(ctx, client.ObjectKeyFromObject(pod), &corev1.Pod{})
		if apierrors.IsNotFound(err) {
			return true, nil
		}
		return false, err
	})
}

// Service-account tokens and RBAC are the real API server's: a token requested for a
// ServiceAccount may do what its Role grants and nothing else.
func TestServiceAccountTokenIsBoundByItsRole(t *testing.T) {
	env := testenv.Get(t)
	ns := env.Namespace(t)
	c := env.Client
	ctx := t.Context()

	sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "reader", Namespace: ns}}
	role := &rbacv1.Role{
		ObjectMeta: metav1.ObjectMeta{Name: "configmap-reader", Namespace: ns},
		Rules: []rbacv1.PolicyRule{{
			APIGroups: []string{""}, Resources: []string{"configmaps"}, Verbs: []string{"get"},
			ResourceNames: []string{"allowed"},
		}},
	}
	binding := &rbacv1.RoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: "reader", Namespace: ns},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: role.Name},
		Subjects:   []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Name: sa.Name, Namespace: ns}},
	}
	for _, name := range []string{"allowed", "other"} {
		if err := c.Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns}}); err != nil {
			t.Fatalf("create configmap %s: %v", name, err)
		}
	}
	for _, o := range []client.Object{sa, role, binding} {
		if err := c.Create(ctx, o); err != nil {
			t.Fatalf("create %T: %v", o, err)
		}
	}

	tr := &authenticationv1.TokenRequest{Spec: authenticationv1.TokenRequestSpec{ExpirationSeconds: ptr.To[int64](600)}}
	if err := c.SubResource("token").Create(ctx, sa, tr); err != nil {
		t.Fatalf("request token: %v", err)
	}
	if tr.Status.Token == "" {
		t.Fatal("TokenRequest returned an empty token")
	}
	cfg := rest.AnonymousClientConfig(env.Config)
	cfg.BearerToken = tr.Status.Token
	as, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatalf("client for the token: %v", err)
	}

	// The RoleBinding takes effect when the authorizer's informer sees it.
	testenv.Eventually(t, 30*time.Second, "granted get is allowed", func(ctx context.Context) (bool, error) {
		_, err := as.CoreV1().ConfigMaps(ns).Get(ctx, "allowed", metav1.GetOptions{})
		return err == nil, err
	})

	forbidden := map[string]struct {
		reason string
		call   func(ctx context.Context) error
	}{
		"GetOtherConfigMap": {
			reason: "the Role names one ConfigMap",
			call: func(ctx context.Context) error {
				_, err := as.CoreV1().ConfigMaps(ns).Get(ctx, "other", metav1.GetOptions{})
				return err
			},
		},
		"ListConfigMaps": {
			reason: "the Role grants get, not list",
			call: func(ctx context.Context) error {
				_, err := as.CoreV1().ConfigMaps(ns).List(ctx, metav1.ListOptions{})
				return err
			},
		},
		"PatchGrantedConfigMap": {
			reason: "the Role grants get, not patch",
			call: func(ctx context.Context) error {
				_, err := as.CoreV1().ConfigMaps(ns).Patch(ctx, "allowed", types.MergePatchType, []byte(`{"data":{"k":"v"}}`), metav1.PatchOptions{})
				return err
			},
		},
		"ReadSecrets": {
			reason: "the Role grants nothing on Secrets",
			call: func(ctx context.Context) error {
				_, err := as.CoreV1().Secrets(ns).List(ctx, metav1.ListOptions{})
				return err
			},
		},
		"CreatePod": {
			reason: "the Role grants nothing on pods",
			call: func(ctx context.Context) error {
				_, err := as.CoreV1().Pods(ns).Create(ctx, &corev1.Pod{
					ObjectMeta: metav1.ObjectMeta{Name: "p"},
					Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "i"}}},
				}, metav1.CreateOptions{})
				return err
			},
		},
	}
	for name, tc := range forbidden {
		t.Run(name, func(t *testing.T) {
			if err := tc.call(t.Context()); !apierrors.IsForbidden(err) {
				t.Errorf("%s: want Forbidden, got %v", tc.reason, err)
			}
		})
	}
}

// A namespace the helper made goes when its test ends even when the provider
// that would have finalized its objects stopped first: the helper releases
// the provider's objects (their finalizers) after deleting the namespace.
func TestNamespaceGoesWithTheProviderObjectsLeftInIt(t *testing.T) {
	env := testenv.Get(t)
	var ns string
	t.Run("TestLeavingAFinalizer", func(t *testing.T) {
		ns = env.Namespace(t)
		usage := &unstructured.Unstructured{Object: map[string]any{
			"apiVersion": "arc.crossplane.io/v1alpha1",
			"kind":       "ProviderConfigUsage",
			"metadata": map[string]any{
				"name": "left-behind", "namespace": ns,
				"finalizers": []any{"arc.crossplane.io/test-only"},
			},
			"providerConfigRef": map[string]any{"kind": "ProviderConfig", "name": "github"},
			"resourceRef":       map[string]any{"apiVersion": "v1", "kind": "ConfigMap", "name": "any"},
		}}
		if err := env.Client.Create(t.Context(), usage); err != nil {
			t.Fatalf("create an object with a finalizer no controller removes: %v", err)
		}
	})
	testenv.Eventually(t, time.Minute, "the namespace is gone", func(ctx context.Context) (bool, error) {
		err := env.Client.Get(ctx, client.ObjectKey{Name: ns}, &corev1.Namespace{})
		if apierrors.IsNotFound(err) {
			return true, nil
		}
		return false, fmt.Errorf("namespace %s still there: %v", ns, err)
	})
}
