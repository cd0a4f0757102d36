package ephemeralrunnerset

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/crossplane/crossplane-runtime/v2/pkg/logging"
	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	kruntime "k8s.io/apimachinery/pkg/runtime"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"

	"github.com/arc-crossplane/provider-github-arc/apis/runners/v1alpha1"
)

// Runners are created for the set's target only while the API server has no
// newer generation of the set than the cache's view: a listener's patch the
// watch has not delivered yet may have lowered it.
func TestRunnersCreatedForTheCurrentTarget(t *testing.T) {
	type want struct {
		Created int
		Result  ctrl.Result
	}
	cases := map[string]struct {
		reason string
		// live is the set's generation at the API server; the cache shows
		// generation 4, replicas 3.
		live    int64
		liveErr error
		want    want
	}{
		"CurrentView": {
			reason: "The cache shows the set's current generation: its target's runners are created.",
			live:   4,
			want:   want{Created: 3},
		},
		"TargetMoved": {
			reason: "The listener patched the set since the cache's view: nothing is created for the old target.",
			live:   5,
			want:   want{Created: 0},
		},
		"LiveReadFails": {
			reason:  "A failed read past the cache leaves the cached target.",
			liveErr: errors.New("boom"),
			want:    want{Created: 3},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			s := kruntime.NewScheme()
			if err := v1alpha1.AddToScheme(s); err != nil {
				t.Fatal(err)
			}
			if err := corev1.AddToScheme(s); err != nil {
				t.Fatal(err)
			}
			set := &v1alpha1.EphemeralRunnerSet{
				ObjectMeta: metav1.ObjectMeta{Name: "linux", Namespace: "ns", UID: "set-uid", Generation: 4, Finalizers: []string{Finalizer}},
				Spec: v1alpha1.EphemeralRunnerSetSpec{Replicas: 3, PatchID: 7,
					Template: v1alpha1.RunnerPodTemplate{Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "runner", Image: "runner:1"}}}}},
			}
			kube := fake.NewClientBuilder().WithScheme(s).WithObjects(set).WithStatusSubresource(set).Build()
			liveSet := set.DeepCopy()
			liveSet.Generation, liveSet.Spec.Replicas, liveSet.Spec.PatchID = tc.live, 0, 8
			live := fake.NewClientBuilder().WithScheme(s).WithObjects(liveSet).WithInterceptorFuncs(interceptor.Funcs{
				Get: func(ctx context.Context, c client.WithWatch, key client.ObjectKey, obj client.Object, opts ...client.GetOption) error {
					if tc.liveErr != nil {
						return tc.liveErr
					}
					return c.Get(ctx, key, obj, opts...)
				},
			}).Build()
			r := &Reconciler{kube: kube, live: live, log: logging.NewNopLogger(), expect: newExpectations(), statuses: newStatusWrites(), now: time.Now}

			res, err := r.Reconcile(t.Context(), ctrl.Request{NamespacedName: client.ObjectKeyFromObject(set)})
			if err != nil {
				t.Fatalf("%s\nreconcile: %v", tc.reason, err)
			}
			runners := &v1alpha1.EphemeralRunnerList{}
			if err := kube.List(t.Context(), runners); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, want{Created: len(runners.Items), Result: res}); diff != "" {
				t.Errorf("%s\n-want +got:\n%s", tc.reason, diff)
			}
		})
	}
}
