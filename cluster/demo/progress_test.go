package demo

import (
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestProgressLines(t *testing.T) {
	cases := map[string]struct {
		reason string
		writes []string
		want   []string
	}{
		"WholeLines": {
			reason: "The scripts' own lines are passed on; the tools' output is not.",
			writes: []string{"[cluster] kubernetes: still building (30s)\ngo: downloading k8s.io/api v0.36.3\n[cluster] cluster x is up with 2 nodes\n"},
			want:   []string{"  kubernetes: still building (30s)", "  cluster x is up with 2 nodes"},
		},
		"SplitLines": {
			reason: "A line split between writes is passed on once, whole, when its end comes.",
			writes: []string{"[cluster] kuber", "netes: built in 571s\n[cluster] etcd", ": cached\n"},
			want:   []string{"  kubernetes: built in 571s", "  etcd: cached"},
		},
		"NoEnd": {
			reason: "A line without its end is not passed on yet.",
			writes: []string{"[cluster] starting"},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			var got []string
			p := &progressLines{progress: func(format string, args ...any) { got = append(got, fmt.Sprintf(format, args...)) }}
			for _, w := range tc.writes {
				if n, err := p.Write([]byte(w)); n != len(w) || err != nil {
					t.Fatalf("Write(%q) = %d, %v", w, n, err)
				}
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("%s\n-want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}
