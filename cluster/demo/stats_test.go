package demo

import (
	"os"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestNewPercentiles(t *testing.T) {
	seconds := func(n ...int) []time.Duration {
		var out []time.Duration
		for _, s := range n {
			out = append(out, time.Duration(s)*time.Second)
		}
		return out
	}
	hundred := make([]int, 100)
	for i := range hundred {
		hundred[i] = 100 - i // 100..1, unsorted on purpose
	}
	cases := map[string]struct {
		reason  string
		samples []time.Duration
		want    Percentiles
	}{
		"Empty": {
			reason: "no sample gives zeroes rather than a panic",
			want:   Percentiles{},
		},
		"One": {
			reason:  "every percentile of one sample is that sample",
			samples: seconds(7),
			want:    Percentiles{N: 1, P50: 7, P95: 7, P99: 7, Max: 7},
		},
		"Hundred": {
			reason:  "nearest rank over 1..100 s: p50 is the 50th, p95 the 95th, p99 the 99th",
			samples: seconds(hundred...),
			want:    Percentiles{N: 100, P50: 50, P95: 95, P99: 99, Max: 100},
		},
		"Ten": {
			reason:  "with ten samples p95 and p99 round up to the largest",
			samples: seconds(10, 9, 8, 7, 6, 5, 4, 3, 2, 1),
			want:    Percentiles{N: 10, P50: 5, P95: 10, P99: 10, Max: 10},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, NewPercentiles(tc.samples)); diff != "" {
				t.Errorf("%s\nNewPercentiles(...): -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestBar(t *testing.T) {
	cases := map[string]struct {
		reason            string
		done, total, cols int
		want              string
	}{
		"Nothing":  {reason: "no job yet", done: 0, total: 10, cols: 10, want: "[----------]"},
		"Half":     {reason: "half done fills half", done: 5, total: 10, cols: 10, want: "[#####-----]"},
		"All":      {reason: "all done fills it", done: 10, total: 10, cols: 10, want: "[##########]"},
		"Over":     {reason: "more done than expected never overflows", done: 12, total: 10, cols: 10, want: "[##########]"},
		"NoTotal":  {reason: "no total draws an empty bar", done: 0, total: 0, cols: 4, want: "[    ]"},
		"Rounding": {reason: "a partial cell is not drawn", done: 1, total: 3, cols: 4, want: "[#---]"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, Bar(tc.done, tc.total, tc.cols)); diff != "" {
				t.Errorf("%s\nBar(%d, %d, %d): -want, +got:\n%s", tc.reason, tc.done, tc.total, tc.cols, diff)
			}
		})
	}
}

func TestReadUsageOfThisProcess(t *testing.T) {
	// Burn a little CPU so the reading cannot be zero.
	deadline := time.Now().Add(50 * time.Millisecond)
	for x := 0; time.Now().Before(deadline); x++ {
		_ = x * x
	}
	u, err := ReadUsage(os.Getpid())
	if err != nil {
		t.Fatalf("ReadUsage: %v", err)
	}
	if u.CPUSeconds <= 0 {
		t.Errorf("CPUSeconds = %v, want > 0 after burning CPU", u.CPUSeconds)
	}
	if u.PeakRSSBytes < 1<<20 {
		t.Errorf("PeakRSSBytes = %d, want at least 1 MiB for a Go test binary", u.PeakRSSBytes)
	}
	if _, err := ReadUsage(1 << 30); err == nil {
		t.Errorf("ReadUsage of a pid that does not exist: no error")
	}
}

func TestDrained(t *testing.T) {
	done := make(chan struct{})
	close(done)
	finished := &Stream{spec: StreamSpec{Jobs: 4}, done: done}
	running := &Stream{spec: StreamSpec{Jobs: 4}, done: make(chan struct{})}
	cases := map[string]struct {
		reason string
		stream *Stream
		counts []TeamCounts
		want   bool
	}{
		"AllDone": {
			reason: "every job done and no pod left",
			stream: finished,
			counts: []TeamCounts{{Team: "a", Submitted: 2, Done: 2}, {Team: "b", Submitted: 2, Done: 2}},
			want:   true,
		},
		"StillSubmitting": {
			reason: "the stream has not ended",
			stream: running,
			counts: []TeamCounts{{Team: "a", Submitted: 2, Done: 2}},
		},
		"PodsLeft": {
			reason: "a runner pod is still there",
			stream: finished,
			counts: []TeamCounts{{Team: "a", Submitted: 4, Done: 4, PodsReady: 1}},
		},
		"JobRunning": {
			reason: "a job still runs",
			stream: finished,
			counts: []TeamCounts{{Team: "a", Submitted: 4, Done: 3, Running: 1}},
		},
		"SubmissionsLost": {
			reason: "fewer jobs submitted than the stream was to submit",
			stream: finished,
			counts: []TeamCounts{{Team: "a", Submitted: 3, Done: 3}},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got, why := drained(tc.stream, tc.counts)
			if got != tc.want {
				t.Errorf("%s\ndrained(...) = %v (%s), want %v", tc.reason, got, why, tc.want)
			}
		})
	}
}

func TestPerJob(t *testing.T) {
	cases := map[string]struct {
		reason string
		jobs   int
		count  int64
		v      float64
		want   [2]float64 // PerJob(count), PerJobOf(v)
	}{
		"NoJobs": {
			reason: "a run without jobs has nothing per job, rather than a division by zero",
			count:  7, v: 1.5,
			want: [2]float64{0, 0},
		},
		"Jobs": {
			reason: "counts and quantities are divided by the jobs alike",
			jobs:   4, count: 10, v: 0.5,
			want: [2]float64{2.5, 0.125},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			s := Summary{Jobs: tc.jobs}
			got := [2]float64{s.PerJob(tc.count), s.PerJobOf(tc.v)}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("%s\nPerJob, PerJobOf: -want +got:\n%s", tc.reason, diff)
			}
		})
	}
}
