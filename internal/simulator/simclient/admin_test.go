package simclient_test

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/arc-crossplane/provider-github-arc/internal/simulator"
	"github.com/arc-crossplane/provider-github-arc/internal/simulator/simclient"
)

func startSimulator(t *testing.T) (*simulator.Server, *simclient.Client) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	srv, err := simulator.Start(ctx, simulator.Options{})
	if err != nil {
		cancel()
		t.Fatalf("start: %v", err)
	}
	t.Cleanup(func() { cancel(); _ = srv.Close() })
	c, err := simclient.New(srv.URL, srv.CACertPEM)
	if err != nil {
		t.Fatalf("client: %v", err)
	}
	return srv, c
}

// TestAdminAPI drives the admin routes through the client and checks their effect on
// the server.
func TestAdminAPI(t *testing.T) {
	srv, c := startSimulator(t)
	ctx := context.Background()

	res, err := c.Setup(ctx, simclient.Setup{
		Orgs: []simulator.OrgSpec{{Login: "acme", Repositories: []simulator.RepoSpec{{Name: "app", Private: true}}}},
		PATs: []simulator.PATSpec{{Token: "ghp_acme", Orgs: []string{"acme"}}},
	})
	if err != nil {
		t.Fatalf("setup: %v", err)
	}
	want := simclient.SetupResult{
		Tenants: []simulator.TenantInfo{
			{ID: "t-1", Kind: simulator.KindOrganization, Name: "acme", ConfigURL: srv.URL + "/acme", ActionsURL: srv.URL + "/_actions/t-1/"},
			{ID: "t-2", Kind: simulator.KindRepository, Name: "acme/app", ConfigURL: srv.URL + "/acme/app", ActionsURL: srv.URL + "/_actions/t-2/"},
		},
		Repositories: []simulator.RepositoryInfo{{ID: 100000, FullName: "acme/app", Private: true, TenantID: "t-2"}},
	}
	if diff := cmp.Diff(want, res); diff != "" {
		t.Errorf("setup result (-want +got):\n%s", diff)
	}
	tenants, err := c.Tenants(ctx)
	if err != nil {
		t.Fatalf("tenants: %v", err)
	}
	if diff := cmp.Diff(want.Tenants, tenants); diff != "" {
		t.Errorf("tenants (-want +got):\n%s", diff)
	}

	_, err = c.Setup(ctx, simclient.Setup{Orgs: []simulator.OrgSpec{{Login: "bad login"}}})
	var se *simclient.StatusError
	if !errors.As(err, &se) || se.Status != http.StatusUnprocessableEntity {
		t.Errorf("invalid setup: error %v, want a 422 StatusError", err)
	}

	// Faults round-trip, and even a 100% error rate leaves the admin API alone.
	faults := simclient.Faults{ErrorRate: 1, Latency: simclient.Duration(time.Millisecond), InstallationTokenTTL: simclient.Duration(time.Minute)}
	if err := c.SetFaults(ctx, faults); err != nil {
		t.Fatalf("set faults: %v", err)
	}
	got, err := c.Faults(ctx)
	if err != nil {
		t.Fatalf("get faults: %v", err)
	}
	if diff := cmp.Diff(faults, got); diff != "" {
		t.Errorf("faults (-want +got):\n%s", diff)
	}
	if err := c.UpdateFaults(ctx, func(f *simclient.Faults) { f.ErrorRate = 0 }); err != nil {
		t.Fatalf("update faults: %v", err)
	}
	if f := srv.Faults(); f.ErrorRate != 0 || f.InstallationTokenTTL != simclient.Duration(time.Minute) {
		t.Errorf("after update: %+v, want error rate 0 and the TTL kept", f)
	}
	err = c.SetFaults(ctx, simclient.Faults{ErrorRate: 2})
	if !errors.As(err, &se) || se.Status != http.StatusUnprocessableEntity {
		t.Errorf("invalid faults: error %v, want a 422 StatusError", err)
	}

	before, err := c.Now(ctx)
	if err != nil {
		t.Fatalf("now: %v", err)
	}
	after, err := c.AdvanceClock(ctx, 24*time.Hour)
	if err != nil {
		t.Fatalf("advance: %v", err)
	}
	if d := after.Sub(before); d < 24*time.Hour || d > 24*time.Hour+time.Minute {
		t.Errorf("clock moved %v, want 24h", d)
	}

	// One GitHub call, then counters.
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/api/v3/orgs/acme/actions/runner-groups/1", nil)
	req.Header.Set("Authorization", "token ghp_acme")
	resp, err := adminHTTPClient(t, srv).Do(req)
	if err != nil {
		t.Fatalf("github call: %v", err)
	}
	_ = resp.Body.Close()
	counters, err := c.Counters(ctx)
	if err != nil {
		t.Fatalf("counters: %v", err)
	}
	const pattern = "GET /api/v3/orgs/{org}/actions/runner-groups/{runner_group_id}"
	if counters.Status(pattern, http.StatusOK) != 1 || counters.TotalCalls() != 1 {
		t.Errorf("counters %+v, want exactly one 200 of %s (admin calls are not counted)", counters.Endpoints, pattern)
	}
	if err := c.ResetCounters(ctx); err != nil {
		t.Fatalf("reset counters: %v", err)
	}
	if n := srv.Counters().TotalCalls(); n != 0 {
		t.Errorf("calls after reset: %d", n)
	}
	if err := c.ExpireTokens(ctx); err != nil {
		t.Errorf("expire tokens: %v", err)
	}
	if err := c.ResetRateLimits(ctx); err != nil {
		t.Errorf("reset rate limits: %v", err)
	}
}

func adminHTTPClient(t *testing.T, srv *simulator.Server) *http.Client {
	t.Helper()
	c, err := simclient.New(srv.URL, srv.CACertPEM)
	if err != nil {
		t.Fatal(err)
	}
	return c.HTTPClient()
}
