package testenv

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/dynamic"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// LabelTest marks every namespace the helper makes, so a person can find (and remove)
// what an interrupted run left: kubectl delete ns -l arc.crossplane.io/test.
const LabelTest = "arc.crossplane.io/test"

var notDNS = regexp.MustCompile(`[^a-z0-9-]+`)

// Namespace creates a namespace of the test's own, named after the test, and deletes it
// when the test ends, releasing what the provider left in it. Deletion is not awaited:
// the namespace controller finishes it.
func (e *Env) Namespace(t testing.TB) string {
	t.Helper()
	suffix := make([]byte, 3)
	_, _ = rand.Read(suffix)
	base := strings.Trim(notDNS.ReplaceAllString(strings.ToLower(t.Name()), "-"), "-")
	if len(base) > 48 {
		base = strings.TrimRight(base[:48], "-")
	}
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{
		Name:   base + "-" + hex.EncodeToString(suffix),
		Labels: map[string]string{LabelTest: "true"},
	}}
	if err := e.Client.Create(t.Context(), ns); err != nil {
		t.Fatalf("create namespace %s: %v", ns.Name, err)
	}
	t.Cleanup(func() {
		// t.Context is done during cleanup.
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := e.Client.Delete(ctx, ns); client.IgnoreNotFound(err) != nil {
			t.Logf("delete namespace %s: %v", ns.Name, err)
		}
		if err := e.releaseProviderObjects(ctx, ns.Name); err != nil {
			t.Logf("release the provider's objects in namespace %s: %v", ns.Name, err)
		}
	})
	return ns.Name
}

// providerGroupSuffix ends the API groups of the provider's own kinds.
const providerGroupSuffix = "arc.crossplane.io"

// releaseProviderObjects drops the finalizers of the provider's objects left in
// ns. A test's provider stops before its namespace goes, and nothing else
// removes them: on a reused cluster every run left namespaces Terminating, and
// runners that the next provider started (a benchmark's) kept failing on.
func (e *Env) releaseProviderObjects(ctx context.Context, ns string) error {
	dc, err := discovery.NewDiscoveryClientForConfig(e.Config)
	if err != nil {
		return err
	}
	// A partial answer (an aggregated API down) still lists our groups.
	lists, err := dc.ServerPreferredNamespacedResources()
	if len(lists) == 0 {
		return err
	}
	dyn, err := dynamic.NewForConfig(e.Config)
	if err != nil {
		return err
	}
	release := []byte(`{"metadata":{"finalizers":null}}`)
	var errs []error
	for _, list := range lists {
		gv, err := schema.ParseGroupVersion(list.GroupVersion)
		if err != nil || !strings.HasSuffix(gv.Group, providerGroupSuffix) {
			continue
		}
		for _, r := range list.APIResources {
			if strings.Contains(r.Name, "/") || !slices.Contains(r.Verbs, "list") || !slices.Contains(r.Verbs, "patch") {
				continue
			}
			res := dyn.Resource(gv.WithResource(r.Name)).Namespace(ns)
			objs, err := res.List(ctx, metav1.ListOptions{})
			if err != nil {
				errs = append(errs, err)
				continue
			}
			for _, o := range objs.Items {
				if len(o.GetFinalizers()) == 0 {
					continue
				}
				if _, err := res.Patch(ctx, o.GetName(), types.MergePatchType, release, metav1.PatchOptions{}); client.IgnoreNotFound(err) != nil {
					errs = append(errs, err)
				}
			}
		}
	}
	return errors.Join(errs...)
}

// Eventually polls cond every interval until it returns true, and fails the test with
// the last error (or the description) when timeout passes first. It is how tests wait
// on a condition: never a sleep.
func Eventually(t testing.TB, timeout time.Duration, what string, cond func(ctx context.Context) (bool, error)) {
	t.Helper()
	var last error
	err := wait.PollUntilContextTimeout(t.Context(), 50*time.Millisecond, timeout, true, func(ctx context.Context) (bool, error) {
		ok, err := cond(ctx)
		if err != nil {
			last = err
			return false, nil
		}
		return ok, nil
	})
	if err != nil {
		if last != nil {
			t.Fatalf("%s: not within %s: %v", what, timeout, last)
		}
		t.Fatalf("%s: not within %s", what, timeout)
	}
}
