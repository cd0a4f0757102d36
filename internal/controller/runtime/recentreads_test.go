package runtime

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	corev1 "k8s.io/api/core/v1"
	kerrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"
)

func TestRecentReads(t *testing.T) {
	creds := func(token string, labels map[string]string) *corev1.Secret {
		return &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "creds", Namespace: "ns", Labels: labels}, Data: map[string][]byte{"token": []byte(token)}}
	}
	ours := map[string]string{LabelManagedBy: ManagedBy}
	type read struct {
		after  time.Duration // since the first read
		rotate string        // the Secret's token from then on; "" keeps it
		delete bool          // the Secret is deleted before this read
	}
	cases := map[string]struct {
		reason string
		stored *corev1.Secret // nil: none at first
		reads  []read
		// want: each read's token ("" when not found), and the reads that
		// reached the API server.
		wantTokens    []string
		wantLiveReads int
	}{
		"WithinTheTTL": {
			reason:        "a rotated Secret read again within the TTL is the one read before",
			stored:        creds("old", nil),
			reads:         []read{{}, {after: RecentReadTTL - time.Millisecond, rotate: "new"}},
			wantTokens:    []string{"old", "old"},
			wantLiveReads: 1,
		},
		"AfterTheTTL": {
			reason:        "once the TTL is over the rotated Secret is read",
			stored:        creds("old", nil),
			reads:         []read{{}, {after: RecentReadTTL, rotate: "new"}, {after: RecentReadTTL + time.Second}},
			wantTokens:    []string{"old", "new", "new"},
			wantLiveReads: 2,
		},
		"Ours": {
			reason:        "a Secret the provider made is not remembered: it writes them",
			stored:        creds("old", ours),
			reads:         []read{{}, {rotate: "new"}},
			wantTokens:    []string{"old", "new"},
			wantLiveReads: 2,
		},
		"MissingThenCreated": {
			reason:        "a missing Secret is not remembered missing: created, it is found at once",
			reads:         []read{{}, {rotate: "new"}},
			wantTokens:    []string{"", "new"},
			wantLiveReads: 2,
		},
		"DeletedWithinTheTTL": {
			reason:        "a Secret deleted within the TTL is still the one read before",
			stored:        creds("old", nil),
			reads:         []read{{}, {after: time.Second, delete: true}, {after: RecentReadTTL + time.Second}},
			wantTokens:    []string{"old", "old", ""},
			wantLiveReads: 2,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			b := fake.NewClientBuilder()
			if tc.stored != nil {
				b = b.WithObjects(tc.stored.DeepCopy())
			}
			liveReads := 0
			live := b.WithInterceptorFuncs(interceptor.Funcs{Get: func(ctx context.Context, c client.WithWatch, key client.ObjectKey, obj client.Object, opts ...client.GetOption) error {
				liveReads++
				return c.Get(ctx, key, obj, opts...)
			}}).Build()
			start := time.Now()
			now := start
			r := newRecentReads(RecentReadTTL, func() time.Time { return now })
			labels := map[string]string(nil)
			if tc.stored != nil {
				labels = tc.stored.Labels
			}
			var tokens []string
			for _, rd := range tc.reads {
				now = start.Add(rd.after)
				if rd.rotate != "" {
					if err := live.Delete(t.Context(), creds("", nil)); err != nil && !kerrors.IsNotFound(err) {
						t.Fatal(err)
					}
					if err := live.Create(t.Context(), creds(rd.rotate, labels)); err != nil {
						t.Fatal(err)
					}
				}
				if rd.delete {
					if err := live.Delete(t.Context(), creds("", nil)); err != nil {
						t.Fatal(err)
					}
				}
				got := &corev1.Secret{}
				err := r.get(t.Context(), live, client.ObjectKey{Namespace: "ns", Name: "creds"}, got)
				if err != nil && !kerrors.IsNotFound(err) {
					t.Fatal(err)
				}
				tokens = append(tokens, string(got.Data["token"]))
				// A caller may change what it read; the next read must
				// not see that.
				if got.Data != nil {
					got.Data["token"] = []byte("changed by the caller")
				}
			}
			if diff := cmp.Diff([]any{tc.wantTokens, tc.wantLiveReads}, []any{tokens, liveReads}); diff != "" {
				t.Errorf("%s\ntokens read, live reads: -want +got:\n%s", tc.reason, diff)
			}
		})
	}
}

// A reconcile whose context ends while it waits for a read stops waiting at
// once; the read it started is not cut short, since other reconciles may wait
// for it too, and what it read stands for the next reads.
func TestRecentReadsSharedReadOutlivesItsCaller(t *testing.T) {
	stored := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "creds", Namespace: "ns"}, Data: map[string][]byte{"token": []byte("t")}}
	started, release, readErr := make(chan struct{}), make(chan struct{}), make(chan error, 1)
	liveReads := 0
	live := fake.NewClientBuilder().WithObjects(stored).WithInterceptorFuncs(interceptor.Funcs{Get: func(ctx context.Context, c client.WithWatch, key client.ObjectKey, obj client.Object, opts ...client.GetOption) error {
		liveReads++
		if liveReads == 1 {
			close(started)
			<-release
		}
		err := ctx.Err()
		if err == nil {
			err = c.Get(ctx, key, obj, opts...)
		}
		readErr <- err
		return err
	}}).Build()
	r := newRecentReads(RecentReadTTL, time.Now)
	key := client.ObjectKeyFromObject(stored)

	ctx, cancel := context.WithCancel(t.Context())
	first := make(chan error, 1)
	go func() { first <- r.get(ctx, live, key, &corev1.Secret{}) }()
	<-started
	cancel()
	var firstErr error
	select {
	case firstErr = <-first:
	case <-time.After(10 * time.Second):
		close(release)
		t.Fatal("a reconcile whose context ended still waits for the read")
	}
	close(release)
	sharedErr := <-readErr
	got := &corev1.Secret{}
	if err := r.get(t.Context(), live, key, got); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]any{context.Canceled, nil, "t", 1}, []any{firstErr, sharedErr, string(got.Data["token"]), liveReads}, cmpopts.EquateErrors()); diff != "" {
		t.Errorf("the caller's error, the shared read's error, the next read's token, live reads: -want +got:\n%s", diff)
	}
}
