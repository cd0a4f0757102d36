package runtime

import (
	"testing"

	"k8s.io/apimachinery/pkg/types"
)

func TestUIDSet(t *testing.T) {
	cases := map[string]struct {
		reason string
		add    []types.UID
		remove []types.UID
		ask    types.UID
		want   bool
	}{
		"Added":        {reason: "an added uid is a member", add: []types.UID{"a"}, ask: "a", want: true},
		"Other":        {reason: "another uid is not", add: []types.UID{"a"}, ask: "b", want: false},
		"Deleted":      {reason: "a deleted uid is not", add: []types.UID{"a"}, remove: []types.UID{"a"}, ask: "a", want: false},
		"EmptyNeverIn": {reason: "an object without a uid is never a member, even once added", add: []types.UID{""}, ask: "", want: false},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			var s UIDSet
			for _, u := range tc.add {
				s.Add(u)
			}
			for _, u := range tc.remove {
				s.Delete(u)
			}
			if got := s.Has(tc.ask); got != tc.want {
				t.Errorf("%s: Has(%q) = %v, want %v", tc.reason, tc.ask, got, tc.want)
			}
		})
	}
}
