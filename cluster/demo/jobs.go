package demo

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/arc-crossplane/provider-github-arc/internal/simulator/simclient"
)

const errSubmit = "cannot submit a job"

// StreamSpec is a stream of jobs over teams, round robin.
type StreamSpec struct {
	// Jobs is the number of jobs in all.
	Jobs int
	// Rate is jobs per second; 0 submits them all at once (a burst).
	Rate float64
	// JobDuration is how long a runner runs each job.
	JobDuration time.Duration
	// Workers submit a burst in parallel; 16 by default.
	Workers int
}

// Stream submits jobs through the simulator's admin API and remembers which team
// each job is for.
type Stream struct {
	spec  StreamSpec
	teams []*Team

	mu        sync.Mutex
	team      map[int64]string
	submitted map[string]int
	err       error
	done      chan struct{}
}

// StartStream starts submitting in the background; Done closes when every job is
// submitted or ctx ended.
func (e *Env) StartStream(ctx context.Context, spec StreamSpec, teams []*Team) *Stream {
	if spec.Workers == 0 {
		spec.Workers = 16
	}
	s := &Stream{spec: spec, teams: teams, team: map[int64]string{}, submitted: map[string]int{}, done: make(chan struct{})}
	go func() {
		defer close(s.done)
		if spec.Rate <= 0 {
			s.burst(ctx, e.SimClient)
			return
		}
		s.paced(ctx, e.SimClient)
	}()
	return s
}

func (s *Stream) submit(ctx context.Context, sim *simclient.Client, i int) {
	t := s.teams[i%len(s.teams)]
	j, err := sim.SubmitJob(ctx, simclient.JobSpec{
		Repository: Repository, Labels: []string{t.ScaleSetName},
		Duration:    s.spec.JobDuration.String(),
		DisplayName: fmt.Sprintf("build #%d", i+1), WorkflowRef: Repository + "/.github/workflows/ci.yaml@refs/heads/main",
	})
	s.mu.Lock()
	defer s.mu.Unlock()
	if err != nil {
		if s.err == nil && ctx.Err() == nil {
			s.err = fmt.Errorf("%s: %w", errSubmit, err)
		}
		return
	}
	s.team[j.ID] = t.Namespace
	s.submitted[t.Namespace]++
}

func (s *Stream) burst(ctx context.Context, sim *simclient.Client) {
	next := make(chan int)
	var wg sync.WaitGroup
	for range s.spec.Workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				s.submit(ctx, sim, i)
			}
		}()
	}
	for i := 0; i < s.spec.Jobs && ctx.Err() == nil; i++ {
		next <- i
	}
	close(next)
	wg.Wait()
}

func (s *Stream) paced(ctx context.Context, sim *simclient.Client) {
	interval := time.Duration(float64(time.Second) / s.spec.Rate)
	start := time.Now()
	for i := 0; i < s.spec.Jobs; i++ {
		// Paced against the start, so a slow submission does not slow the stream.
		if d := time.Until(start.Add(time.Duration(i) * interval)); d > 0 {
			select {
			case <-ctx.Done():
				return
			case <-time.After(d):
			}
		}
		if ctx.Err() != nil {
			return
		}
		s.submit(ctx, sim, i)
	}
}

// Done closes when the stream has submitted everything (or was stopped).
func (s *Stream) Done() <-chan struct{} { return s.done }

// Err is the first submission error.
func (s *Stream) Err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

// TeamOf tells which team a job was submitted for ("" when not by this stream).
func (s *Stream) TeamOf(id int64) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.team[id]
}

// Submitted is the number of jobs submitted for a team so far.
func (s *Stream) Submitted(team string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.submitted[team]
}

// Total is the number of jobs the stream will submit.
func (s *Stream) Total() int { return s.spec.Jobs }
