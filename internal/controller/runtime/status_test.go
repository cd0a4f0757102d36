package runtime

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	kruntime "k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"

	"github.com/arc-crossplane/provider-github-arc/apis/runners/v1alpha1"
)

func TestPatchStatus(t *testing.T) {
	statusOf := func(s *v1alpha1.EphemeralRunnerSet) *v1alpha1.EphemeralRunnerSetStatus { return &s.Status }
	cases := map[string]struct {
		reason      string
		stored      bool
		change      func(*v1alpha1.EphemeralRunnerSetStatus)
		wantPatches int
		wantStored  int32
	}{
		"Changed": {
			reason:      "A changed status is written.",
			stored:      true,
			change:      func(s *v1alpha1.EphemeralRunnerSetStatus) { s.CurrentReplicas = 3 },
			wantPatches: 1,
			wantStored:  3,
		},
		"Unchanged": {
			reason:      "A change that leaves the status as it was writes nothing.",
			stored:      true,
			change:      func(s *v1alpha1.EphemeralRunnerSetStatus) { s.CurrentReplicas = 1 },
			wantPatches: 0,
			wantStored:  1,
		},
		"ObjectGone": {
			reason:      "The status of an object deleted meanwhile is no error.",
			change:      func(s *v1alpha1.EphemeralRunnerSetStatus) { s.CurrentReplicas = 3 },
			wantPatches: 1,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			s := kruntime.NewScheme()
			if err := v1alpha1.AddToScheme(s); err != nil {
				t.Fatal(err)
			}
			set := &v1alpha1.EphemeralRunnerSet{ObjectMeta: metav1.ObjectMeta{Name: "set", Namespace: "ns"}, Status: v1alpha1.EphemeralRunnerSetStatus{CurrentReplicas: 1}}
			b := fake.NewClientBuilder().WithScheme(s).WithStatusSubresource(&v1alpha1.EphemeralRunnerSet{})
			if tc.stored {
				b = b.WithObjects(set.DeepCopy())
			}
			patches := 0
			kube := b.WithInterceptorFuncs(interceptor.Funcs{SubResourcePatch: func(ctx context.Context, c client.Client, sub string, obj client.Object, p client.Patch, opts ...client.SubResourcePatchOption) error {
				patches++
				return c.SubResource(sub).Patch(ctx, obj, p, opts...)
			}}).Build()

			if err := PatchStatus(t.Context(), kube, set, statusOf, tc.change); err != nil {
				t.Fatalf("%s\nPatchStatus: %v", tc.reason, err)
			}
			got := []int{patches}
			if tc.stored {
				cur := &v1alpha1.EphemeralRunnerSet{}
				if err := kube.Get(t.Context(), client.ObjectKeyFromObject(set), cur); err != nil {
					t.Fatal(err)
				}
				got = append(got, int(cur.Status.CurrentReplicas))
			}
			want := []int{tc.wantPatches}
			if tc.stored {
				want = append(want, int(tc.wantStored))
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("%s\npatches, stored currentReplicas: -want +got:\n%s", tc.reason, diff)
			}
		})
	}
}
