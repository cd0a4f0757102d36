package ephemeralrunnerset

import (
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/arc-crossplane/provider-github-arc/apis/runners/v1alpha1"
)

func TestExpectations(t *testing.T) {
	const uid = types.UID("set")
	now := time.Unix(1000, 0)
	runner := func(name string, deleting bool) v1alpha1.EphemeralRunner {
		er := v1alpha1.EphemeralRunner{ObjectMeta: metav1.ObjectMeta{Name: name}}
		if deleting {
			er.DeletionTimestamp = &metav1.Time{Time: now}
		}
		return er
	}
	type step struct {
		created, deleted []string
		listed           []v1alpha1.EphemeralRunner
		at               time.Time
		want             bool
	}
	cases := map[string]struct {
		reason string
		steps  []step
	}{
		"NothingDone": {
			reason: "A set this controller never touched needs no waiting.",
			steps:  []step{{at: now, want: true}},
		},
		"CreateNotYetListed": {
			reason: "A created runner the cache does not show yet holds the set back until it does.",
			steps: []step{
				{created: []string{"a", "b"}, listed: []v1alpha1.EphemeralRunner{runner("a", false)}, at: now, want: false},
				{listed: []v1alpha1.EphemeralRunner{runner("a", false), runner("b", false)}, at: now, want: true},
			},
		},
		"DeleteStillListed": {
			reason: "A deleted runner the cache still shows as live holds the set back; once it shows as deleting or gone, it does not.",
			steps: []step{
				{deleted: []string{"a", "b"}, listed: []v1alpha1.EphemeralRunner{runner("a", false), runner("b", false)}, at: now, want: false},
				{listed: []v1alpha1.EphemeralRunner{runner("a", true)}, at: now, want: true},
			},
		},
		"Expired": {
			reason: "A lost watch event does not stall the set for longer than the TTL.",
			steps: []step{
				{created: []string{"a"}, at: now, want: false},
				{at: now.Add(expectationTTL + time.Second), want: true},
			},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			e := newExpectations()
			for i, s := range tc.steps {
				for _, n := range s.created {
					e.created(uid, n, s.at)
				}
				for _, n := range s.deleted {
					e.deleted(uid, n, s.at)
				}
				if got := e.satisfied(uid, s.listed, s.at); got != s.want {
					t.Errorf("%s\nstep %d: satisfied() = %v, want %v", tc.reason, i, got, s.want)
				}
			}
		})
	}
}
