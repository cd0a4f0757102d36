package simulator

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestRateLimiterTake(t *testing.T) {
	start := time.Unix(1_800_000_000, 0)
	reset := start.Add(time.Hour)
	type call struct {
		key   string
		at    time.Duration // after start
		limit int
	}
	type result struct {
		Remaining, Used int
		Reset           time.Time
		Exceeded        bool
	}
	cases := map[string]struct {
		reason string
		calls  []call
		want   []result
	}{
		"CountsDown": {
			reason: "Each call uses one request of the hour.",
			calls:  []call{{"a", 0, 3}, {"a", time.Second, 3}, {"a", 2 * time.Second, 3}},
			want:   []result{{2, 1, reset, false}, {1, 2, reset, false}, {0, 3, reset, false}},
		},
		"RefusesWhenEmpty": {
			reason: "A call finding the bucket empty is refused and not charged.",
			calls:  []call{{"a", 0, 1}, {"a", time.Minute, 1}, {"a", 2 * time.Minute, 1}},
			want:   []result{{0, 1, reset, false}, {0, 1, reset, true}, {0, 1, reset, true}},
		},
		"SeparateBuckets": {
			reason: "Credentials do not share buckets.",
			calls:  []call{{"a", 0, 1}, {"b", time.Minute, 1}},
			want:   []result{{0, 1, reset, false}, {0, 1, reset.Add(time.Minute), false}},
		},
		"WindowEnds": {
			reason: "After the reset time a new window starts.",
			calls:  []call{{"a", 0, 1}, {"a", time.Hour, 1}},
			want:   []result{{0, 1, reset, false}, {0, 1, reset.Add(time.Hour), false}},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			l := newRateLimiter()
			var got []result
			for _, c := range tc.calls {
				st := l.take(c.key, c.limit, start.Add(c.at))
				if st.limit != c.limit {
					t.Errorf("limit %d, want %d", st.limit, c.limit)
				}
				got = append(got, result{st.remaining, st.used, st.reset, st.exceeded})
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("%s\n(-want +got):\n%s", tc.reason, diff)
			}
		})
	}
}

func TestRateStateExhausted(t *testing.T) {
	st := rateState{limit: 5000, remaining: 4999, used: 1}.exhausted()
	if diff := cmp.Diff(rateState{limit: 5000, remaining: 0, used: 5000, exceeded: true}, st, cmp.AllowUnexported(rateState{})); diff != "" {
		t.Errorf("exhausted (-want +got):\n%s", diff)
	}
}
