package ephemeralrunnerset

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/arc-crossplane/provider-github-arc/apis/runners/v1alpha1"
)

func TestExpectations(t *testing.T) {
	const uid = types.UID("set")
	now := time.Unix(1000, 0)
	listed := func(name string, deleting bool) v1alpha1.EphemeralRunner {
		er := v1alpha1.EphemeralRunner{ObjectMeta: metav1.ObjectMeta{Name: name}}
		if deleting {
			er.DeletionTimestamp = &metav1.Time{Time: now}
		}
		return er
	}
	type create struct {
		name    string
		patchID int64
	}
	type step struct {
		created []create
		deleted []string
		listed  []v1alpha1.EphemeralRunner
		at      time.Time
		want    unseen
	}
	cases := map[string]struct {
		reason string
		steps  []step
	}{
		"NothingDone": {
			reason: "A set this controller never touched has nothing unseen.",
			steps:  []step{{at: now}},
		},
		"CreatesNotYetListed": {
			reason: "Created runners the cache does not show yet are counted, with the highest patch they were created under, until it shows them.",
			steps: []step{
				{created: []create{{"a", 3}, {"b", 4}, {"c", 2}}, listed: []v1alpha1.EphemeralRunner{listed("b", false)}, at: now, want: unseen{creates: 2, latestPatchID: 3}},
				{listed: []v1alpha1.EphemeralRunner{listed("a", false), listed("b", false), listed("c", false)}, at: now},
			},
		},
		"CreateListedAsDeleting": {
			reason: "A created runner the cache shows already being deleted was seen.",
			steps: []step{
				{created: []create{{"a", 1}}, listed: []v1alpha1.EphemeralRunner{listed("a", true)}, at: now},
			},
		},
		"DeletesStillListed": {
			reason: "Deleted runners the cache still shows as live are told by name; once one shows as deleting or gone, it is not.",
			steps: []step{
				{deleted: []string{"a", "b", "c"}, listed: []v1alpha1.EphemeralRunner{listed("a", false), listed("b", false), listed("c", false)}, at: now,
					want: unseen{deleted: map[string]bool{"a": true, "b": true, "c": true}}},
				{listed: []v1alpha1.EphemeralRunner{listed("a", true), listed("c", false)}, at: now, want: unseen{deleted: map[string]bool{"c": true}}},
				{listed: []v1alpha1.EphemeralRunner{listed("c", false)}, at: now, want: unseen{deleted: map[string]bool{"c": true}}},
				{at: now},
			},
		},
		"Expired": {
			reason: "A lost watch event does not skew the counts for longer than the TTL.",
			steps: []step{
				{created: []create{{"a", 1}}, deleted: []string{"b"}, listed: []v1alpha1.EphemeralRunner{listed("b", false)}, at: now,
					want: unseen{creates: 1, latestPatchID: 1, deleted: map[string]bool{"b": true}}},
				{listed: []v1alpha1.EphemeralRunner{listed("b", false)}, at: now.Add(expectationTTL + time.Second)},
			},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			e := newExpectations()
			for i, s := range tc.steps {
				for _, c := range s.created {
					e.created(uid, c.name, c.patchID, s.at)
				}
				for _, n := range s.deleted {
					e.deleted(uid, n, s.at)
				}
				if diff := cmp.Diff(s.want, e.unseen(uid, s.listed, s.at), cmp.AllowUnexported(unseen{})); diff != "" {
					t.Errorf("%s\nstep %d: unseen(): -want +got:\n%s", tc.reason, i, diff)
				}
			}
			if len(e.sets) != 0 {
				t.Errorf("%s\nthe set's expectations are kept after everything was seen: %d sets", tc.reason, len(e.sets))
			}
		})
	}
}
