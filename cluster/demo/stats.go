package demo

import (
	"math"
	"sort"
	"strings"
	"time"

	"github.com/arc-crossplane/provider-github-arc/internal/simulator/simclient"
)

// Percentiles of a latency, in seconds; N is the number of samples.
type Percentiles struct {
	N                  int
	P50, P95, P99, Max float64
}

// NewPercentiles computes nearest-rank percentiles of samples.
func NewPercentiles(samples []time.Duration) Percentiles {
	if len(samples) == 0 {
		return Percentiles{}
	}
	s := append([]time.Duration(nil), samples...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	rank := func(p float64) float64 {
		i := int(math.Ceil(p/100*float64(len(s)))) - 1
		i = max(0, min(i, len(s)-1))
		return s[i].Seconds()
	}
	return Percentiles{N: len(s), P50: rank(50), P95: rank(95), P99: rank(99), Max: s[len(s)-1].Seconds()}
}

// Summary is what a run measured.
type Summary struct {
	Jobs      int
	Completed int
	// RanTwice counts jobs a runner started more than once.
	RanTwice int
	// QueuedToStarted is from the job's queueing to a runner starting it.
	QueuedToStarted Percentiles
	// QueuedToPodCreated is from the job's queueing to the creation of the pod of
	// the runner that ran it.
	QueuedToPodCreated Percentiles
	// CompletedToPodGone is from the job's completion to its runner pod's deletion,
	// in two legs: to the pod's end (the runner's exit reaching the API server,
	// the kubelet's part) and from there to its deletion (the provider's part).
	CompletedToPodGone  Percentiles
	CompletedToPodEnded Percentiles
	PodEndedToGone      Percentiles
	// AllPodsCreated is the time from the first job queued to the creation of the
	// last runner pod that ran one of the jobs.
	AllPodsCreated time.Duration
	// Calls are the simulator's counts per endpoint over the run.
	CallsByEndpoint map[string]int64
	ActionsCalls    int64
	RESTCalls       int64
}

// IsActionsEndpoint tells an Actions Service endpoint (pattern) from a REST one.
func IsActionsEndpoint(pattern string) bool { return strings.Contains(pattern, "/_actions/") }

// Summarize measures the jobs the stream submitted.
func Summarize(jobs []simclient.Job, stream *Stream, rec *PodRecorder, counters simclient.Counters) Summary {
	var s Summary
	var started, podCreated, podGone, podEnded, endedToGone []time.Duration
	var first, lastPod time.Time
	for _, j := range jobs {
		team := stream.TeamOf(j.ID)
		if team == "" {
			continue
		}
		s.Jobs++
		if first.IsZero() || j.QueuedAt.Before(first) {
			first = j.QueuedAt
		}
		if j.Runs > 1 {
			s.RanTwice++
		}
		if j.State == simclient.JobCompleted {
			s.Completed++
		}
		if j.StartedAt != nil {
			started = append(started, j.StartedAt.Sub(j.QueuedAt))
		}
		if j.RunnerName == "" {
			continue
		}
		life, ok := rec.Life(team, j.RunnerName)
		if !ok {
			continue
		}
		// A runner pod made before its job was queued (minRunners) waited for
		// it: no latency.
		podCreated = append(podCreated, max(0, life.Created.Sub(j.QueuedAt)))
		if life.Created.After(lastPod) {
			lastPod = life.Created
		}
		if j.CompletedAt != nil && !life.Gone.IsZero() {
			podGone = append(podGone, max(0, life.Gone.Sub(*j.CompletedAt)))
			if !life.Ended.IsZero() {
				podEnded = append(podEnded, max(0, life.Ended.Sub(*j.CompletedAt)))
				endedToGone = append(endedToGone, life.Gone.Sub(life.Ended))
			}
		}
	}
	s.QueuedToStarted = NewPercentiles(started)
	s.QueuedToPodCreated = NewPercentiles(podCreated)
	s.CompletedToPodGone = NewPercentiles(podGone)
	s.CompletedToPodEnded = NewPercentiles(podEnded)
	s.PodEndedToGone = NewPercentiles(endedToGone)
	if !first.IsZero() && !lastPod.IsZero() {
		s.AllPodsCreated = lastPod.Sub(first)
	}
	s.CallsByEndpoint = map[string]int64{}
	for ep, c := range counters.Endpoints {
		s.CallsByEndpoint[ep] = c.Total
		if IsActionsEndpoint(ep) {
			s.ActionsCalls += c.Total
		} else {
			s.RESTCalls += c.Total
		}
	}
	return s
}

// PerJob divides a count by the number of jobs.
func (s Summary) PerJob(n int64) float64 { return s.PerJobOf(float64(n)) }

// PerJobOf divides a quantity (CPU seconds, say) by the number of jobs; 0
// when there were none.
func (s Summary) PerJobOf(v float64) float64 {
	if s.Jobs == 0 {
		return 0
	}
	return v / float64(s.Jobs)
}
