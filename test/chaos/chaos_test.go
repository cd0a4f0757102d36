package chaos

import (
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/arc-crossplane/provider-github-arc/cluster/demo"
)

// Environment of TestChaos: `make chaos` sets 500 jobs.
const (
	EnvJobs = "ARC_CHAOS_JOBS"
	// EnvTokenExpiry overrides how often every token is expired ("60s"); "0"
	// turns expiry off.
	EnvTokenExpiry = "ARC_CHAOS_TOKEN_EXPIRY"
)

func TestMain(m *testing.M) {
	// The test binary is also the listener shim.
	demo.RunRoleIfAsked()
	os.Exit(m.Run())
}

// TestChaos streams jobs through failing GitHub calls (5% 5xx, 5% resets), expiring
// tokens, five listener kills and three provider kills, and checks that every job
// completed exactly once and nothing is left behind.
func TestChaos(t *testing.T) {
	jobs := 50
	if v := os.Getenv(EnvJobs); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 12 {
			t.Fatalf("%s=%q: want a number of jobs >= 12", EnvJobs, v)
		}
		jobs = n
	}
	o := Defaults(jobs)
	o.Logf = t.Logf
	// A cluster of the run's own, with Crossplane: made and removed by the run.
	o.ClusterName = fmt.Sprintf("arc-chaos-%d", os.Getpid())
	if jobs <= 100 {
		// A short stream (about a minute): slower, so that eight kills fit in
		// it, and tokens expire more often, so that they expire during it
		// too.
		o.Rate = 1
		o.TokenExpiryEvery = 20 * time.Second
	}
	if v := os.Getenv(EnvTokenExpiry); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < 0 {
			t.Fatalf("%s=%q: want a duration", EnvTokenExpiry, v)
		}
		o.TokenExpiryEvery = d
	}
	// A Ctrl-C of `make chaos` must still remove what the run started.
	ctx, stop := signal.NotifyContext(t.Context(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	r, err := Run(ctx, o)
	if r != nil {
		t.Logf("%d jobs, %d completed, %d succeeded, runs per job %v; %d listener and %d provider kills, %d token expiries; %d injected 5xx, %d resets; %s",
			r.Jobs, r.Completed, r.Succeeded, r.RunCounts, r.ListenerKills, r.ProviderKills, r.TokenExpiries, r.InjectedErrors, r.Resets, r.Took)
	}
	if err != nil {
		t.Fatal(err)
	}
	if o.TokenExpiryEvery > 0 && r.TokenExpiries == 0 {
		t.Errorf("no token expired during the run: it proves nothing about expiry")
	}
	if r.InjectedErrors == 0 || r.Resets == 0 {
		t.Errorf("no fault was injected (%d 5xx, %d resets): the run proves nothing", r.InjectedErrors, r.Resets)
	}
}
