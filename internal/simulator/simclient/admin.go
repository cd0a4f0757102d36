package simclient

import (
	"context"
	"net/http"
	"time"

	"github.com/arc-crossplane/provider-github-arc/internal/simulator"
	"github.com/arc-crossplane/provider-github-arc/internal/simulator/actions"
)

// The admin API's types are the simulator's own: the setup's and the Actions
// Service's.
type (
	// Setup declares organizations, repositories, enterprises, PATs and Apps.
	Setup = simulator.Setup
	// SetupResult describes the tenants and repositories a Setup touched.
	SetupResult = simulator.SetupResult
	// TenantInfo describes one tenant.
	TenantInfo = simulator.TenantInfo
	// Faults are the faults and knobs in force.
	Faults = simulator.Faults
	// Counters are the call counts per endpoint.
	Counters = simulator.Counters
	// Duration is a JSON duration ("90s").
	Duration = simulator.Duration

	// JobState is where a job is in its life.
	JobState = actions.JobState
	// JobSpec is a workflow job to queue.
	JobSpec = actions.SubmitJobRequest
	// Job is a job's state.
	Job = actions.JobView
	// Runner is a JIT runner.
	Runner = actions.RunnerView
	// RunResult is what a runner process reports when it exits.
	RunResult = actions.RunResult
	// Statistics are a scale set's numbers as the Actions Service serves them.
	Statistics = actions.Statistics
	// ActionsState is everything the Actions Service holds.
	ActionsState = actions.StateView
	// ScaleSetState is one scale set in ActionsState.
	ScaleSetState = actions.ScaleSetState
	// SessionState is a scale set's active message session.
	SessionState = actions.SessionState
)

// Job states.
const (
	JobQueued    = actions.JobQueued
	JobAssigned  = actions.JobAssigned
	JobStarted   = actions.JobStarted
	JobCompleted = actions.JobCompleted
)

// Job results.
const (
	ResultSucceeded = actions.ResultSucceeded
	ResultFailed    = actions.ResultFailed
	ResultCanceled  = actions.ResultCanceled
)

// Setup adds organizations, repositories, enterprises, PATs and Apps.
func (c *Client) Setup(ctx context.Context, setup Setup) (SetupResult, error) {
	var out SetupResult
	err := c.do(ctx, http.MethodPost, "/_sim/tenants", setup, &out)
	return out, err
}

// Tenants lists every tenant.
func (c *Client) Tenants(ctx context.Context) ([]TenantInfo, error) {
	var out simulator.TenantsResponse
	err := c.do(ctx, http.MethodGet, "/_sim/tenants", nil, &out)
	return out.Tenants, err
}

// Faults reads the faults in force.
func (c *Client) Faults(ctx context.Context) (Faults, error) {
	var out Faults
	err := c.do(ctx, http.MethodGet, "/_sim/faults", nil, &out)
	return out, err
}

// SetFaults replaces the faults in force.
func (c *Client) SetFaults(ctx context.Context, f Faults) error {
	return c.do(ctx, http.MethodPost, "/_sim/faults", f, nil)
}

// UpdateFaults reads the faults in force, lets change edit them and writes them back.
// It is not atomic against other writers; tests own their simulator.
func (c *Client) UpdateFaults(ctx context.Context, change func(*Faults)) error {
	f, err := c.Faults(ctx)
	if err != nil {
		return err
	}
	change(&f)
	return c.SetFaults(ctx, f)
}

// ExpireTokens makes every installation, registration, admin and message-queue token
// issued so far invalid.
func (c *Client) ExpireTokens(ctx context.Context) error {
	return c.do(ctx, http.MethodPost, "/_sim/tokens/expire", nil, nil)
}

// ResetRateLimits empties every rate-limit bucket's usage.
func (c *Client) ResetRateLimits(ctx context.Context) error {
	return c.do(ctx, http.MethodPost, "/_sim/ratelimits/reset", nil, nil)
}

// Now reads the simulated time.
func (c *Client) Now(ctx context.Context) (time.Time, error) {
	var out simulator.ClockResponse
	err := c.do(ctx, http.MethodGet, "/_sim/clock", nil, &out)
	return out.Now, err
}

// AdvanceClock moves the simulated clock forward by d and returns the new time.
func (c *Client) AdvanceClock(ctx context.Context, d time.Duration) (time.Time, error) {
	var out simulator.ClockResponse
	err := c.do(ctx, http.MethodPost, "/_sim/clock", simulator.ClockRequest{Advance: Duration(d)}, &out)
	return out.Now, err
}

// Counters reads the call counts per endpoint.
func (c *Client) Counters(ctx context.Context) (Counters, error) {
	var out Counters
	err := c.do(ctx, http.MethodGet, "/_sim/counters", nil, &out)
	return out, err
}

// ResetCounters sets every count to zero.
func (c *Client) ResetCounters(ctx context.Context) error {
	return c.do(ctx, http.MethodPost, "/_sim/counters/reset", nil, nil)
}

// HTTPClient is the client's HTTP client. It trusts the simulator's CA, so tests can
// call GitHub's routes with it directly.
func (c *Client) HTTPClient() *http.Client { return c.http }
