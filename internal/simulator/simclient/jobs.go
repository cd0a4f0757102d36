package simclient

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// maxServerWait is the longest wait the simulator grants one admin request.
const maxServerWait = 4 * time.Minute

// SubmitJob queues a workflow job and returns it.
func (c *Client) SubmitJob(ctx context.Context, spec JobSpec) (*Job, error) {
	var j Job
	if err := c.do(ctx, http.MethodPost, "/_sim/jobs", spec, &j); err != nil {
		return nil, err
	}
	return &j, nil
}

// Jobs lists every job, oldest first.
func (c *Client) Jobs(ctx context.Context) ([]Job, error) {
	var jobs []Job
	if err := c.do(ctx, http.MethodGet, "/_sim/jobs", nil, &jobs); err != nil {
		return nil, err
	}
	return jobs, nil
}

// Job returns one job.
func (c *Client) Job(ctx context.Context, id int64) (*Job, error) {
	var j Job
	if err := c.do(ctx, http.MethodGet, "/_sim/jobs/"+strconv.FormatInt(id, 10), nil, &j); err != nil {
		return nil, err
	}
	return &j, nil
}

// WaitJob waits until the job is in state, or ctx ends.
func (c *Client) WaitJob(ctx context.Context, id int64, state JobState) (*Job, error) {
	for {
		q := url.Values{"state": {string(state)}, "wait": {waitParam(ctx)}}
		var j Job
		if err := c.do(ctx, http.MethodGet, "/_sim/jobs/"+strconv.FormatInt(id, 10)+"?"+q.Encode(), nil, &j); err != nil {
			return nil, err
		}
		if j.State == state {
			return &j, nil
		}
		if err := ctx.Err(); err != nil {
			return &j, fmt.Errorf("job %d is %s, not %s: %w", id, j.State, state, err)
		}
	}
}

// WaitJobs waits until every listed job (every job when ids is empty) is in
// state, or ctx ends, and returns them.
func (c *Client) WaitJobs(ctx context.Context, state JobState, ids ...int64) ([]Job, error) {
	q := url.Values{"state": {string(state)}}
	if len(ids) > 0 {
		s := make([]string, len(ids))
		for i, id := range ids {
			s[i] = strconv.FormatInt(id, 10)
		}
		q.Set("ids", strings.Join(s, ","))
	}
	for {
		q.Set("wait", waitParam(ctx))
		var jobs []Job
		if err := c.do(ctx, http.MethodGet, "/_sim/jobs?"+q.Encode(), nil, &jobs); err != nil {
			return nil, err
		}
		notYet := 0
		for _, j := range jobs {
			if j.State != state {
				notYet++
			}
		}
		if notYet == 0 {
			return jobs, nil
		}
		if err := ctx.Err(); err != nil {
			return jobs, fmt.Errorf("%d of %d jobs are not %s: %w", notYet, len(jobs), state, err)
		}
	}
}

// CompleteJob finishes a job with result (its scripted result when empty).
func (c *Client) CompleteJob(ctx context.Context, id int64, result string) (*Job, error) {
	var j Job
	body := map[string]string{"result": result}
	if err := c.do(ctx, http.MethodPost, "/_sim/jobs/"+strconv.FormatInt(id, 10)+"/complete", body, &j); err != nil {
		return nil, err
	}
	return &j, nil
}

// CancelJob cancels a job in any state, as a user canceling the workflow.
func (c *Client) CancelJob(ctx context.Context, id int64) (*Job, error) {
	var j Job
	if err := c.do(ctx, http.MethodPost, "/_sim/jobs/"+strconv.FormatInt(id, 10)+"/cancel", nil, &j); err != nil {
		return nil, err
	}
	return &j, nil
}

// ConnectRunner is what a runner does at start with its JIT config: it goes
// online and idle.
func (c *Client) ConnectRunner(ctx context.Context, encodedJITConfig string) (*Runner, error) {
	var r Runner
	body := map[string]string{"encodedJITConfig": encodedJITConfig}
	if err := c.do(ctx, http.MethodPost, "/_sim/runners/connect", body, &r); err != nil {
		return nil, err
	}
	return &r, nil
}

// RunnerJob waits up to wait for the connected runner to receive a job, which
// starts it. It returns nil without error when none came in time.
func (c *Client) RunnerJob(ctx context.Context, runnerID int, wait time.Duration) (*Job, error) {
	var j Job
	path := fmt.Sprintf("/_sim/runners/%d/job?wait=%s", runnerID, min(wait, maxServerWait))
	if err := c.do(ctx, http.MethodGet, path, nil, &j); err != nil {
		return nil, err
	}
	if j.ID == 0 {
		return nil, nil
	}
	return &j, nil
}

// RunRunner plays a whole runner in one call: connect, wait up to wait for a job,
// run it for its scripted duration, complete it, and report the exit. A zero wait
// takes the simulator's default.
func (c *Client) RunRunner(ctx context.Context, encodedJITConfig string, wait time.Duration) (*RunResult, error) {
	body := map[string]string{"encodedJITConfig": encodedJITConfig}
	if wait > 0 {
		body["wait"] = min(wait, maxServerWait).String()
	}
	var r RunResult
	if err := c.do(ctx, http.MethodPost, "/_sim/runners/run", body, &r); err != nil {
		return nil, err
	}
	return &r, nil
}

// DisconnectRunner makes a runner vanish: it goes offline and its job is queued
// again.
func (c *Client) DisconnectRunner(ctx context.Context, runnerID int) (*Runner, error) {
	var r Runner
	if err := c.do(ctx, http.MethodPost, fmt.Sprintf("/_sim/runners/%d/disconnect", runnerID), nil, &r); err != nil {
		return nil, err
	}
	return &r, nil
}

// ActionsState returns the Actions Service's scale sets, sessions, runners and
// job counts.
func (c *Client) ActionsState(ctx context.Context) (*ActionsState, error) {
	var s ActionsState
	if err := c.do(ctx, http.MethodGet, "/_sim/actions/state", nil, &s); err != nil {
		return nil, err
	}
	return &s, nil
}

// IsNotFound tells whether err is a 404 of the admin API.
func IsNotFound(err error) bool {
	var se *StatusError
	return errors.As(err, &se) && se.Status == http.StatusNotFound
}

// waitParam is how long one admin request may wait: what is left of ctx, capped
// by the simulator's limit.
func waitParam(ctx context.Context) string {
	wait := maxServerWait
	if dl, ok := ctx.Deadline(); ok {
		wait = min(wait, max(time.Until(dl), 0))
	}
	return wait.Round(time.Millisecond).String()
}
