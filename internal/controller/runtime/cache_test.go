package runtime

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

func TestCacheOptions(t *testing.T) {
	sync := time.Hour
	secret := &corev1.Secret{}
	cases := map[string]struct {
		reason string
		base   cache.Options
		// want: for each object kind of ByObject, its label selector; and
		// the options' namespaces and sync period.
		wantSelectors map[string]string
		wantNamespace []string
	}{
		"Defaults": {
			reason:        "with no options, only Pods get a selector",
			base:          cache.Options{},
			wantSelectors: map[string]string{"Pod": "app.kubernetes.io/managed-by=provider-github-arc"},
		},
		"KeepsTheRest": {
			reason: "namespaces, the sync period and other kinds' options stay as given",
			base: cache.Options{
				SyncPeriod:        &sync,
				DefaultNamespaces: map[string]cache.Config{"team-a": {}},
				ByObject:          map[client.Object]cache.ByObject{secret: {Label: labels.SelectorFromSet(labels.Set{"a": "b"})}},
			},
			wantSelectors: map[string]string{"Pod": "app.kubernetes.io/managed-by=provider-github-arc", "Secret": "a=b"},
			wantNamespace: []string{"team-a"},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			before := len(tc.base.ByObject)
			got := CacheOptions(tc.base)
			selectors := map[string]string{}
			for obj, o := range got.ByObject {
				kind := "Secret"
				if _, ok := obj.(*corev1.Pod); ok {
					kind = "Pod"
				}
				selectors[kind] = o.Label.String()
			}
			var namespaces []string
			for ns := range got.DefaultNamespaces {
				namespaces = append(namespaces, ns)
			}
			if diff := cmp.Diff([]any{tc.wantSelectors, tc.wantNamespace, tc.base.SyncPeriod, before}, []any{selectors, namespaces, got.SyncPeriod, len(tc.base.ByObject)}); diff != "" {
				t.Errorf("%s\nselectors, namespaces, sync period, the base's ByObject size: -want +got:\n%s", tc.reason, diff)
			}
		})
	}
}
