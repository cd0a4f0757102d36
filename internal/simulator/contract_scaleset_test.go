package simulator_test

import (
	"context"
	"crypto/x509"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/actions/scaleset"
	"github.com/google/go-github/v90/github"
	"github.com/hashicorp/go-retryablehttp"

	"github.com/arc-crossplane/provider-github-arc/internal/simulator"
)

// TestScalesetRegistration drives actions/scaleset's own REST steps (PROTOCOL.md §0
// steps 1-4) against the simulator: App or PAT credentials, registration token,
// runner-registration, then the Actions Service's runner group lookup, which must
// see the group created through REST under the same id.
func TestScalesetRegistration(t *testing.T) {
	srv := startSimulator(t, simulator.Options{})
	key, _ := appKeys(t)
	ctx := context.Background()
	g, _, err := patClient(t, srv, adminPAT).Actions.CreateOrganizationRunnerGroup(ctx, testOrg, github.CreateRunnerGroupRequest{Name: github.Ptr("builders")})
	if err != nil {
		t.Fatalf("create group: %v", err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(srv.CACertPEM)
	opts := []scaleset.HTTPOption{scaleset.WithRootCAs(pool), scaleset.WithRetryMax(0)}
	info := scaleset.SystemInfo{System: "provider-github-arc-test"}

	cases := map[string]struct {
		reason string
		client func() (*scaleset.Client, error)
		group  string
		wantID int
		// wantAccessTokens is the number of installation tokens minted (App credentials only).
		wantAccessTokens int64
		registration     string
	}{
		"AppByClientID": {
			reason: "scaleset signs its JWT with the client ID as iss and posts an empty access_tokens body.",
			client: func() (*scaleset.Client, error) {
				return scaleset.NewClientWithGitHubApp(scaleset.ClientWithGitHubAppConfig{
					GitHubConfigURL: srv.URL + "/" + testOrg, SystemInfo: info,
					GitHubAppAuth: scaleset.GitHubAppAuth{ClientID: testClientID, InstallationID: testInstID, PrivateKey: string(privateKeyPEM(key))},
				}, opts...)
			},
			group: "BUILDERS", wantID: int(g.GetID()), wantAccessTokens: 1,
			registration: "POST /api/v3/orgs/{org}/actions/runners/registration-token",
		},
		"AppByAppID": {
			reason: "The App ID works as iss too.",
			client: func() (*scaleset.Client, error) {
				return scaleset.NewClientWithGitHubApp(scaleset.ClientWithGitHubAppConfig{
					GitHubConfigURL: srv.URL + "/" + testOrg + "/" + privateRepoName, SystemInfo: info,
					GitHubAppAuth: scaleset.GitHubAppAuth{ClientID: strconv.FormatInt(testAppID, 10), InstallationID: testInstID, PrivateKey: string(privateKeyPEM(key))},
				}, opts...)
			},
			group: "Default", wantID: 1, wantAccessTokens: 1,
			registration: "POST /api/v3/repos/{owner}/{repo}/actions/runners/registration-token",
		},
		"EnterprisePAT": {
			reason: "A PAT at enterprise scope.",
			client: func() (*scaleset.Client, error) {
				return scaleset.NewClientWithPersonalAccessToken(scaleset.NewClientWithPersonalAccessTokenConfig{
					GitHubConfigURL: srv.URL + "/enterprises/" + testEnterprise, PersonalAccessToken: enterprisePAT, SystemInfo: info,
				}, opts...)
			},
			group: "Default", wantID: 1,
			registration: "POST /api/v3/enterprises/{enterprise}/actions/runners/registration-token",
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			srv.ResetCounters()
			c, err := tc.client()
			if err != nil {
				t.Fatalf("new scaleset client: %v", err)
			}
			got, err := c.GetRunnerGroupByName(ctx, tc.group)
			if err != nil {
				t.Fatalf("%s\nGetRunnerGroupByName: %v", tc.reason, err)
			}
			if got.ID != tc.wantID {
				t.Errorf("group id %d, want %d", got.ID, tc.wantID)
			}
			counters := srv.Counters()
			if n := counters.Status(patternAccessTokens, http.StatusCreated); n != tc.wantAccessTokens {
				t.Errorf("access_tokens answered 201: %d, want %d", n, tc.wantAccessTokens)
			}
			if n := counters.Status(tc.registration, http.StatusCreated); n != 1 {
				t.Errorf("%s answered 201: %d, want 1", tc.registration, n)
			}
			if n := counters.Status("POST /api/v3/actions/runner-registration", http.StatusCreated); n != 1 {
				t.Errorf("runner-registration answered 201: %d, want 1", n)
			}
			if n := counters.TotalClass("4xx") + counters.TotalClass("5xx"); n != 0 {
				t.Errorf("error answers: %d, want 0 (%v)", n, counters.Endpoints)
			}
		})
	}
}

// TestActionsRoutesFaults: faults reach the Actions Service's routes too, and
// scaleset's retries carry a call through a forced 503.
func TestActionsRoutesFaults(t *testing.T) {
	const groupLookup = "GET /_actions/{tenant}/_apis/runtime/runnergroups/{$}"
	srv := startSimulator(t, simulator.Options{Faults: simulator.Faults{
		Forced: []simulator.ForcedResponse{{Endpoint: groupLookup, Status: http.StatusServiceUnavailable, Count: 1}},
	}})
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(srv.CACertPEM)
	c, err := scaleset.NewClientWithPersonalAccessToken(scaleset.NewClientWithPersonalAccessTokenConfig{
		GitHubConfigURL: srv.URL + "/" + testOrg, PersonalAccessToken: adminPAT, SystemInfo: scaleset.SystemInfo{System: "test"},
	}, scaleset.WithRootCAs(pool), scaleset.WithRetryMax(1), scaleset.WithRetryWaitMax(10*time.Millisecond))
	if err != nil {
		t.Fatalf("new scaleset client: %v", err)
	}
	if _, err := c.GetRunnerGroupByName(context.Background(), "Default"); err != nil {
		t.Fatalf("GetRunnerGroupByName through one 503: %v", err)
	}
	counters := srv.Counters()
	if counters.Status(groupLookup, http.StatusServiceUnavailable) != 1 || counters.Status(groupLookup, http.StatusOK) != 1 {
		t.Errorf("group lookup counters %+v, want one 503 and one 200", counters.Endpoints[groupLookup])
	}
}

// TestScalesetHostedLayout: with a github.localhost config URL scaleset runs in
// GitHub.com mode and calls the REST API on api.github.localhost without /api/v3; a
// dialer sends every host to the simulator, whose certificate covers those names.
func TestScalesetHostedLayout(t *testing.T) {
	srv := startSimulator(t, simulator.Options{})
	addr := strings.TrimPrefix(srv.URL, "https://")
	retry := retryablehttp.NewClient()
	retry.RetryMax = 1
	retry.RetryWaitMax = 10 * time.Millisecond
	tr, ok := retry.HTTPClient.Transport.(*http.Transport)
	if !ok {
		t.Fatalf("retryablehttp transport is %T", retry.HTTPClient.Transport)
	}
	tr.DialContext = func(ctx context.Context, network, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, network, addr)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(srv.CACertPEM)
	c, err := scaleset.NewClientWithPersonalAccessToken(scaleset.NewClientWithPersonalAccessTokenConfig{
		GitHubConfigURL: "https://github.localhost/" + testOrg, PersonalAccessToken: adminPAT, SystemInfo: scaleset.SystemInfo{System: "test"},
	}, scaleset.WithRetryableHTTPClint(retry), scaleset.WithRootCAs(pool))
	if err != nil {
		t.Fatalf("new scaleset client: %v", err)
	}
	g, err := c.GetRunnerGroupByName(context.Background(), "Default")
	if err != nil {
		t.Fatalf("GetRunnerGroupByName: %v", err)
	}
	if g.ID != 1 {
		t.Errorf("group id %d, want 1", g.ID)
	}
	counters := srv.Counters()
	for _, pattern := range []string{
		"POST api.github.localhost/orgs/{org}/actions/runners/registration-token",
		"POST api.github.localhost/actions/runner-registration",
	} {
		if n := counters.Status(pattern, http.StatusCreated); n != 1 {
			t.Errorf("%s answered 201: %d, want 1", pattern, n)
		}
	}
}
