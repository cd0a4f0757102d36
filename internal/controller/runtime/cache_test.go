package runtime

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	kerrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"
)

func TestManagerOptions(t *testing.T) {
	sync := time.Hour
	managedBy := "app.kubernetes.io/managed-by=provider-github-arc"
	cases := map[string]struct {
		reason string
		base   ctrl.Options
		// want: each kind of ByObject with its label selector, the cache's
		// namespaces and the leader election ID.
		wantSelectors  map[string]string
		wantNamespaces []string
		wantElectionID string
	}{
		"Defaults": {
			reason:        "with no options, Pods, Secrets and ConfigMaps get the provider's selector",
			wantSelectors: map[string]string{"Pod": managedBy, "Secret": managedBy, "ConfigMap": managedBy},
		},
		"KeepsTheRest": {
			reason: "namespaces, the sync period, other kinds' selectors and other options stay as given",
			base: ctrl.Options{
				LeaderElectionID: "x",
				Cache: cache.Options{
					SyncPeriod:        &sync,
					DefaultNamespaces: map[string]cache.Config{"team-a": {}},
					ByObject:          map[client.Object]cache.ByObject{&corev1.Service{}: {Label: labels.SelectorFromSet(labels.Set{"a": "b"})}},
				},
			},
			wantSelectors:  map[string]string{"Pod": managedBy, "Secret": managedBy, "ConfigMap": managedBy, "Service": "a=b"},
			wantNamespaces: []string{"team-a"},
			wantElectionID: "x",
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			before := len(tc.base.Cache.ByObject)
			got := ManagerOptions(tc.base)
			selectors := map[string]string{}
			for obj, o := range got.Cache.ByObject {
				kinds, _, err := clientgoscheme.Scheme.ObjectKinds(obj)
				if err != nil {
					t.Fatal(err)
				}
				selectors[kinds[0].Kind] = o.Label.String()
			}
			var namespaces []string
			for ns := range got.Cache.DefaultNamespaces {
				namespaces = append(namespaces, ns)
			}
			want := []any{tc.wantSelectors, tc.wantNamespaces, tc.wantElectionID, tc.base.Cache.SyncPeriod, before, true}
			if diff := cmp.Diff(want, []any{selectors, namespaces, got.LeaderElectionID, got.Cache.SyncPeriod, len(tc.base.Cache.ByObject), got.NewClient != nil}); diff != "" {
				t.Errorf("%s\nselectors, namespaces, election ID, sync period, the base's ByObject size, a client constructor: -want +got:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestPastTheCache(t *testing.T) {
	ours := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "jit", Namespace: "ns"}, Data: map[string][]byte{"k": []byte("cached")}}
	creds := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "creds", Namespace: "ns"}, Data: map[string][]byte{"k": []byte("live")}}
	bundle := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "ca", Namespace: "ns"}, Data: map[string]string{"k": "live"}}
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "other", Namespace: "ns"}}
	cases := map[string]struct {
		reason string
		obj    client.Object
		name   string
		reads  int // 1 when zero
		// want: whether it was found, and how many reads reached the API server.
		wantFound     bool
		wantLiveReads int
	}{
		"InTheCache":       {reason: "a Secret the cache holds is read from it", obj: &corev1.Secret{}, name: "jit", wantFound: true},
		"SecretNotCached":  {reason: "a Secret the cache lacks is read past it", obj: &corev1.Secret{}, name: "creds", wantFound: true, wantLiveReads: 1},
		"ReadAgainAtOnce":  {reason: "a Secret read past the cache a moment ago is not read again", obj: &corev1.Secret{}, name: "creds", reads: 3, wantFound: true, wantLiveReads: 1},
		"ConfigMap":        {reason: "a ConfigMap the cache lacks is read past it", obj: &corev1.ConfigMap{}, name: "ca", wantFound: true, wantLiveReads: 1},
		"NowhereSecret":    {reason: "a Secret that does not exist is not found, and looked for each time", obj: &corev1.Secret{}, name: "none", reads: 2, wantLiveReads: 2},
		"PodNotReadAround": {reason: "a pod the cache lacks is not found: its controller reads past the cache itself", obj: &corev1.Pod{}, name: "other"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			liveReads := 0
			live := fake.NewClientBuilder().WithObjects(ours.DeepCopy(), creds.DeepCopy(), bundle.DeepCopy(), pod.DeepCopy()).WithInterceptorFuncs(interceptor.Funcs{
				Get: func(ctx context.Context, c client.WithWatch, key client.ObjectKey, obj client.Object, opts ...client.GetOption) error {
					liveReads++
					return c.Get(ctx, key, obj, opts...)
				},
			}).Build()
			now := time.Now()
			c := &pastTheCache{Client: fake.NewClientBuilder().WithObjects(ours.DeepCopy()).Build(), live: live, recent: newRecentReads(RecentReadTTL, func() time.Time { return now })}
			var err error
			for range max(tc.reads, 1) {
				err = c.Get(t.Context(), client.ObjectKey{Namespace: "ns", Name: tc.name}, tc.obj)
				if err != nil && !kerrors.IsNotFound(err) {
					t.Fatal(err)
				}
			}
			if diff := cmp.Diff([]any{tc.wantFound, tc.wantLiveReads}, []any{err == nil, liveReads}); diff != "" {
				t.Errorf("%s\nfound, live reads: -want +got:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestNameHolder(t *testing.T) {
	owner := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "owner", Namespace: "ns", UID: "owner-uid"}}
	ownedBy := func(uid types.UID) []metav1.OwnerReference {
		return []metav1.OwnerReference{{APIVersion: "v1", Kind: "Pod", Name: "owner", UID: uid, Controller: ptr.To(true)}}
	}
	cases := map[string]struct {
		reason string
		held   *corev1.Secret // what the API server has of the name; nil: nothing
		want   Holder
	}{
		"Gone":    {reason: "nothing holds the name any more", want: HolderGone},
		"Owner":   {reason: "the owner's own object", held: &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "x", Namespace: "ns", OwnerReferences: ownedBy("owner-uid")}}, want: HolderOwner},
		"Other":   {reason: "an object without a controller", held: &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "x", Namespace: "ns"}}, want: HolderOther},
		"Another": {reason: "an object another owner controls", held: &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "x", Namespace: "ns", OwnerReferences: ownedBy("other-uid")}}, want: HolderOther},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			b := fake.NewClientBuilder()
			if tc.held != nil {
				b = b.WithObjects(tc.held)
			}
			got, err := NameHolder(t.Context(), b.Build(), &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "x", Namespace: "ns"}}, owner)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("%s: holder %d, want %d", tc.reason, got, tc.want)
			}
		})
	}
}

func TestDeleteExact(t *testing.T) {
	read := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "p", Namespace: "ns", UID: "read"}}
	conflict := kerrors.NewConflict(corev1.Resource("pods"), "p", errors.New("the UID in the precondition does not match"))
	cases := map[string]struct {
		reason string
		stored bool  // whether the pod is stored
		answer error // what the API server says to the delete; nil: the fake's own answer
		// want: the error, whether the pod is gone, the uid the delete carried.
		wantErr  bool
		wantGone bool
	}{
		"TheOneRead": {reason: "the pod read is deleted", stored: true, wantGone: true},
		"Gone":       {reason: "a pod gone since is no error", wantGone: true},
		"Replaced":   {reason: "a pod of the name that is not the one read (the API server's conflict) stays, and is no error", stored: true, answer: conflict},
		"Failed":     {reason: "any other refusal is an error", stored: true, answer: kerrors.NewForbidden(corev1.Resource("pods"), "p", errors.New("no")), wantErr: true},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			b := fake.NewClientBuilder()
			if tc.stored {
				b = b.WithObjects(read.DeepCopy())
			}
			var carried types.UID
			kube := b.WithInterceptorFuncs(interceptor.Funcs{Delete: func(ctx context.Context, c client.WithWatch, obj client.Object, opts ...client.DeleteOption) error {
				o := &client.DeleteOptions{}
				o.ApplyOptions(opts)
				if o.Preconditions != nil && o.Preconditions.UID != nil {
					carried = *o.Preconditions.UID
				}
				if tc.answer != nil {
					return tc.answer
				}
				return c.Delete(ctx, obj, opts...)
			}}).Build()
			err := DeleteExact(t.Context(), kube, read.DeepCopy())
			getErr := kube.Get(t.Context(), client.ObjectKeyFromObject(read), &corev1.Pod{})
			if getErr != nil && !kerrors.IsNotFound(getErr) {
				t.Fatal(getErr)
			}
			if diff := cmp.Diff([]any{tc.wantErr, tc.wantGone, types.UID("read")}, []any{err != nil, kerrors.IsNotFound(getErr), carried}); diff != "" {
				t.Errorf("%s\nerror, gone, uid carried: -want +got:\n%s", tc.reason, diff)
			}
		})
	}
}
