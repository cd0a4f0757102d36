package simulator_test

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/google/go-github/v90/github"

	"github.com/arc-crossplane/provider-github-arc/internal/simulator"
)

// TestPrimaryRateLimitAccounting: each credential has a real bucket; go-github sees the
// headers count down, refuses on its own once Remaining is 0, and a fresh client gets
// the server's 403 as a *github.RateLimitError.
func TestPrimaryRateLimitAccounting(t *testing.T) {
	srv := startSimulator(t, simulator.Options{Faults: simulator.Faults{RateLimitPerHour: 3}})
	gh := patClient(t, srv, adminPAT)
	ctx := context.Background()
	for i, wantRemaining := range []int{2, 1, 0} {
		_, resp, err := gh.Actions.ListOrganizationRunnerGroups(ctx, testOrg, nil)
		if err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
		if resp.Rate.Limit != 3 || resp.Rate.Remaining != wantRemaining || resp.Rate.Used != 3-wantRemaining {
			t.Errorf("call %d: rate %+v, want limit 3 remaining %d", i, resp.Rate, wantRemaining)
		}
		if until := time.Until(resp.Rate.Reset.Time); until < 59*time.Minute || until > time.Hour {
			t.Errorf("call %d: reset in %v, want within the hour", i, until)
		}
		if resp.Header.Get("X-RateLimit-Resource") != "core" || resp.Header.Get("X-GitHub-Request-Id") == "" {
			t.Errorf("call %d: headers %v lack the resource or request id", i, resp.Header)
		}
	}
	_, _, err := gh.Actions.ListOrganizationRunnerGroups(ctx, testOrg, nil)
	var rle *github.RateLimitError
	if !errors.As(err, &rle) {
		t.Fatalf("client-side refusal: error %v (%T), want *github.RateLimitError", err, err)
	}
	if n := srv.Counters().Calls(patternListGroups); n != 3 {
		t.Errorf("calls reaching the server: %d, want 3 (go-github refuses the fourth itself)", n)
	}

	_, _, err = patClient(t, srv, adminPAT).Actions.ListOrganizationRunnerGroups(ctx, testOrg, nil)
	if !errors.As(err, &rle) {
		t.Fatalf("server refusal: error %v (%T), want *github.RateLimitError", err, err)
	}
	if rle.Response.StatusCode != http.StatusForbidden || rle.Rate.Remaining != 0 {
		t.Errorf("server refusal: status %d remaining %d, want 403 and 0", rle.Response.StatusCode, rle.Rate.Remaining)
	}
	// Another credential has its own bucket.
	key, _ := appKeys(t)
	app, _ := appClient(t, srv, testInstID, privateKeyPEM(key))
	if _, _, err := app.Actions.ListOrganizationRunnerGroups(ctx, testOrg, nil); err != nil {
		t.Errorf("another credential: %v", err)
	}
}

// TestRateLimitFaults: injected primary and secondary limits, as 403 or 429, come
// back as go-github's rate-limit error types; after a secondary limit go-github waits
// out Retry-After on its own, without calling the server.
func TestRateLimitFaults(t *testing.T) {
	forced := func(status int, kind string, retryAfter time.Duration) simulator.Faults {
		return simulator.Faults{Forced: []simulator.ForcedResponse{{
			Endpoint: patternListGroups, Status: status, Count: 1, RateLimit: kind, RetryAfter: simulator.Duration(retryAfter),
		}}}
	}
	cases := map[string]struct {
		reason     string
		faults     simulator.Faults
		status     int
		secondary  bool
		retryAfter time.Duration
	}{
		"Primary403":      {reason: "GitHub's usual primary refusal.", faults: simulator.Faults{PrimaryRateLimited: true}, status: 403},
		"Primary429":      {reason: "GitHub documents 429 as well.", faults: simulator.Faults{PrimaryRateLimited: true, RateLimitStatus: 429}, status: 429},
		"Secondary403":    {reason: "Secondary limit with the default Retry-After.", faults: simulator.Faults{SecondaryRateLimited: true}, status: 403, secondary: true, retryAfter: time.Minute},
		"Secondary429":    {reason: "Secondary limit as 429.", faults: simulator.Faults{SecondaryRateLimited: true, RateLimitStatus: 429, SecondaryRetryAfter: simulator.Duration(90 * time.Second)}, status: 429, secondary: true, retryAfter: 90 * time.Second},
		"ForcedPrimary":   {reason: "A primary refusal of one endpoint.", faults: forced(403, simulator.RateLimitPrimary, 0), status: 403},
		"ForcedSecondary": {reason: "A secondary 429 of one endpoint.", faults: forced(429, simulator.RateLimitSecondary, 30*time.Second), status: 429, secondary: true, retryAfter: 30 * time.Second},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			srv := startSimulator(t, simulator.Options{Faults: tc.faults})
			gh := patClient(t, srv, adminPAT)
			ctx := context.Background()
			_, _, err := gh.Actions.ListOrganizationRunnerGroups(ctx, testOrg, nil)
			if !tc.secondary {
				var rle *github.RateLimitError
				if !errors.As(err, &rle) {
					t.Fatalf("error %v (%T), want *github.RateLimitError", err, err)
				}
				if rle.Response.StatusCode != tc.status {
					t.Errorf("status %d, want %d", rle.Response.StatusCode, tc.status)
				}
				return
			}
			var abuse *github.AbuseRateLimitError
			if !errors.As(err, &abuse) {
				t.Fatalf("error %v (%T), want *github.AbuseRateLimitError", err, err)
			}
			if abuse.Response.StatusCode != tc.status || abuse.GetRetryAfter() != tc.retryAfter {
				t.Errorf("status %d retry-after %v, want %d and %v", abuse.Response.StatusCode, abuse.GetRetryAfter(), tc.status, tc.retryAfter)
			}
			_, _, err = gh.Actions.ListOrganizationRunnerGroups(ctx, testOrg, nil)
			if !errors.As(err, &abuse) {
				t.Fatalf("second call: error %v, want go-github's own AbuseRateLimitError", err)
			}
			if n := srv.Counters().Calls(patternListGroups); n != 1 {
				t.Errorf("calls reaching the server: %d, want 1 (go-github honours Retry-After)", n)
			}
		})
	}
}

// TestErrorRateFault: with 10% injected 5xx over many calls, the errors the client sees
// are exactly those the counters record, and their share is about 10%.
func TestErrorRateFault(t *testing.T) {
	srv := startSimulator(t, simulator.Options{Seed: 7, Faults: simulator.Faults{ErrorRate: 0.1, ErrorStatus: 502}})
	gh := patClient(t, srv, adminPAT)
	ctx := context.Background()
	const calls = 300
	failed := 0
	for range calls {
		_, _, err := gh.Actions.GetOrganizationRunnerGroup(ctx, testOrg, 1)
		var er *github.ErrorResponse
		switch {
		case err == nil:
		case errors.As(err, &er) && er.Response.StatusCode == http.StatusBadGateway:
			failed++
		default:
			t.Fatalf("unexpected error: %v", err)
		}
	}
	c := srv.Counters()
	if got := c.Status(patternGetGroup, http.StatusBadGateway); got != int64(failed) {
		t.Errorf("counted 502s %d, client saw %d", got, failed)
	}
	if got := c.Status(patternGetGroup, http.StatusOK); got != int64(calls-failed) {
		t.Errorf("counted 200s %d, want %d", got, calls-failed)
	}
	if failed < calls/20 || failed > calls/5 {
		t.Errorf("%d of %d calls failed, want about 10%%", failed, calls)
	}
}

// TestForcedResetAndLatencyFaults: forced statuses hit exactly the next N calls of one
// endpoint, resets close the connection, latency delays answers, and none of it
// touches other endpoints.
func TestForcedResetAndLatencyFaults(t *testing.T) {
	srv := startSimulator(t, simulator.Options{})
	gh := patClient(t, srv, adminPAT)
	ctx := context.Background()

	if err := srv.SetFaults(simulator.Faults{Forced: []simulator.ForcedResponse{{Endpoint: patternCreateGroup, Status: 503, Count: 2, RetryAfter: simulator.Duration(2 * time.Second)}}}); err != nil {
		t.Fatalf("set faults: %v", err)
	}
	if _, _, err := gh.Actions.ListOrganizationRunnerGroups(ctx, testOrg, nil); err != nil {
		t.Errorf("other endpoint: %v", err)
	}
	for i := range 2 {
		_, resp, err := gh.Actions.CreateOrganizationRunnerGroup(ctx, testOrg, github.CreateRunnerGroupRequest{Name: github.Ptr("forced")})
		var er *github.ErrorResponse
		if !errors.As(err, &er) || er.Response.StatusCode != 503 || resp.Header.Get("Retry-After") != "2" {
			t.Errorf("forced call %d: error %v, want 503 with Retry-After 2", i, err)
		}
	}
	if _, _, err := gh.Actions.CreateOrganizationRunnerGroup(ctx, testOrg, github.CreateRunnerGroupRequest{Name: github.Ptr("forced")}); err != nil {
		t.Errorf("call after the forced ones: %v", err)
	}
	if got := len(srv.Faults().Forced); got != 0 {
		t.Errorf("forced responses left: %d, want 0", got)
	}

	if err := srv.SetFaults(simulator.Faults{ResetRates: map[string]float64{patternGetGroup: 1}}); err != nil {
		t.Fatalf("set faults: %v", err)
	}
	_, _, err := gh.Actions.GetOrganizationRunnerGroup(ctx, testOrg, 1)
	var er *github.ErrorResponse
	if err == nil || errors.As(err, &er) {
		t.Errorf("reset: error %v, want a transport error", err)
	}
	// net/http retries an idempotent request once when a reused connection dies
	// before answering, so one client call may meet two resets.
	if got := srv.Counters().Endpoints[patternGetGroup].Resets; got < 1 || got > 2 {
		t.Errorf("resets counted: %d, want 1 or 2", got)
	}

	const latency = 150 * time.Millisecond
	if err := srv.SetFaults(simulator.Faults{Latency: simulator.Duration(latency)}); err != nil {
		t.Fatalf("set faults: %v", err)
	}
	start := time.Now()
	if _, _, err := gh.Actions.GetOrganizationRunnerGroup(ctx, testOrg, 1); err != nil {
		t.Fatalf("with latency: %v", err)
	}
	if took := time.Since(start); took < latency {
		t.Errorf("call took %v, want at least %v", took, latency)
	}
}
