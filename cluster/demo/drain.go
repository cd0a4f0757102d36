package demo

import (
	"context"
	"fmt"
	"time"

	"github.com/arc-crossplane/provider-github-arc/internal/simulator/simclient"
)

const errNotDrained = "the jobs did not all complete with every runner pod gone"

// WaitDrained polls every interval until the stream submitted everything, every job
// it submitted completed and no runner pod of the teams is left, calling tick (when
// set) with what it saw. It returns the jobs at the end.
func (e *Env) WaitDrained(ctx context.Context, stream *Stream, teams []*Team, interval, timeout time.Duration,
	tick func(jobs []simclient.Job, counts []TeamCounts)) ([]simclient.Job, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	t := time.NewTicker(interval)
	defer t.Stop()
	var last string
	for {
		jobs, err := e.SimClient.Jobs(ctx)
		if err == nil {
			counts := Snapshot(jobs, stream, e.Pods, teams)
			if tick != nil {
				tick(jobs, counts)
			}
			ok, why := drained(stream, counts)
			if ok {
				return jobs, nil
			}
			last = why
		} else {
			last = err.Error()
		}
		if serr := stream.Err(); serr != nil {
			return jobs, serr
		}
		select {
		case <-ctx.Done():
			return jobs, fmt.Errorf("%s within %s (%s): %w", errNotDrained, timeout, last, ctx.Err())
		case <-t.C:
		}
	}
}

func drained(stream *Stream, counts []TeamCounts) (bool, string) {
	select {
	case <-stream.Done():
	default:
		return false, "still submitting"
	}
	submitted := 0
	for _, c := range counts {
		submitted += c.Submitted
		if c.Queued+c.Running > 0 {
			return false, fmt.Sprintf("%s has %d queued and %d running jobs", c.Team, c.Queued, c.Running)
		}
		if c.Done != c.Submitted {
			return false, fmt.Sprintf("%s: %d of %d jobs done", c.Team, c.Done, c.Submitted)
		}
		if n := c.PodsPending + c.PodsReady + c.PodsFinished; n > 0 {
			return false, fmt.Sprintf("%s still has %d runner pods", c.Team, n)
		}
	}
	if submitted != stream.Total() {
		return false, fmt.Sprintf("%d of %d jobs submitted", submitted, stream.Total())
	}
	return true, ""
}
