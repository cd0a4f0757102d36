package simulator_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/bradleyfalzon/ghinstallation/v2"
	"github.com/google/go-github/v90/github"

	"github.com/arc-crossplane/provider-github-arc/internal/simulator"
)

const patternAccessTokens = "POST /api/v3/app/installations/{installation_id}/access_tokens"

// appClient is go-github authenticated as the test App's installation through
// ghinstallation, signing with key.
func appClient(t *testing.T, srv *simulator.Server, installationID int64, keyPEM []byte) (*github.Client, *ghinstallation.Transport) {
	t.Helper()
	itr, err := ghinstallation.New(transport(t, srv), testAppID, installationID, keyPEM)
	if err != nil {
		t.Fatalf("ghinstallation: %v", err)
	}
	itr.BaseURL = strings.TrimSuffix(srv.APIURL(), "/")
	c, err := github.NewClient(github.WithHTTPClient(&http.Client{Transport: itr}), github.WithEnterpriseURLs(srv.URL, srv.URL))
	if err != nil {
		t.Fatalf("new go-github client: %v", err)
	}
	return c, itr
}

// TestAppInstallationAuth: ghinstallation mints an installation token with an RS256
// JWT and go-github uses it; a JWT signed with another key is refused with 401.
func TestAppInstallationAuth(t *testing.T) {
	srv := startSimulator(t, simulator.Options{})
	key, stranger := appKeys(t)
	ctx := context.Background()

	gh, itr := appClient(t, srv, testInstID, privateKeyPEM(key))
	list, _, err := gh.Actions.ListOrganizationRunnerGroups(ctx, testOrg, nil)
	if err != nil {
		t.Fatalf("list as installation: %v", err)
	}
	if list.TotalCount != 1 {
		t.Errorf("total_count %d, want 1", list.TotalCount)
	}
	token, err := itr.Token(ctx)
	if err != nil || !strings.HasPrefix(token, "ghs_") {
		t.Errorf("installation token %q, err %v: want a ghs_ token", token, err)
	}
	expires, _, err := itr.Expiry()
	if err != nil {
		t.Fatalf("expiry: %v", err)
	}
	if d := time.Until(expires); d < 59*time.Minute || d > 61*time.Minute {
		t.Errorf("token lifetime %v, want about 1h", d)
	}
	if n := srv.Counters().Status(patternAccessTokens, http.StatusCreated); n != 1 {
		t.Errorf("access_tokens calls answered 201: %d, want 1", n)
	}

	// The installation on other-org lacks runner administration: 403, GitHub's wording.
	other, _ := appClient(t, srv, otherInstID, privateKeyPEM(key))
	_, _, err = other.Actions.ListOrganizationRunnerGroups(ctx, otherOrg, nil)
	assertErrorResponse(t, err, http.StatusForbidden, "Resource not accessible by integration", nil)
	// And the octo-org installation cannot reach other-org.
	_, _, err = gh.Actions.ListOrganizationRunnerGroups(ctx, otherOrg, nil)
	assertErrorResponse(t, err, http.StatusForbidden, "Resource not accessible by integration", nil)

	wrong, _ := appClient(t, srv, testInstID, privateKeyPEM(stranger))
	_, _, err = wrong.Actions.ListOrganizationRunnerGroups(ctx, testOrg, nil)
	var herr *ghinstallation.HTTPError
	if !errors.As(err, &herr) || herr.Response == nil {
		t.Fatalf("wrong key: error %v (%T), want a *ghinstallation.HTTPError with a response", err, err)
	}
	if herr.Response.StatusCode != http.StatusUnauthorized {
		t.Errorf("wrong key: status %d, want 401", herr.Response.StatusCode)
	}

	unknown, _ := appClient(t, srv, 999, privateKeyPEM(key))
	_, _, err = unknown.Actions.ListOrganizationRunnerGroups(ctx, testOrg, nil)
	if !errors.As(err, &herr) || herr.Response == nil || herr.Response.StatusCode != http.StatusNotFound {
		t.Errorf("unknown installation: error %v, want a 404 HTTPError", err)
	}
}

// TestInstallationTokenRefresh: with a 30 s lifetime ghinstallation considers every
// token stale (it refreshes a minute early) and mints a new one per call; after the
// simulated clock moves past the first token's expiry that token is refused, while
// the client keeps working through its own refresh.
func TestInstallationTokenRefresh(t *testing.T) {
	srv := startSimulator(t, simulator.Options{Faults: simulator.Faults{InstallationTokenTTL: simulator.Duration(30 * time.Second)}})
	key, _ := appKeys(t)
	ctx := context.Background()
	gh, itr := appClient(t, srv, testInstID, privateKeyPEM(key))

	if _, _, err := gh.Actions.ListOrganizationRunnerGroups(ctx, testOrg, nil); err != nil {
		t.Fatalf("first call: %v", err)
	}
	first, err := itr.Token(ctx) // already stale: mints the second token
	if err != nil {
		t.Fatalf("token: %v", err)
	}
	srv.Clock().Advance(31 * time.Second)

	if _, _, err := gh.Actions.ListOrganizationRunnerGroups(ctx, testOrg, nil); err != nil {
		t.Fatalf("call after expiry: %v", err)
	}
	if n := srv.Counters().Status(patternAccessTokens, http.StatusCreated); n != 3 {
		t.Errorf("installation tokens minted: %d, want 3", n)
	}
	if n := srv.Counters().TotalClass("4xx"); n != 0 {
		t.Errorf("4xx answers: %d, want 0", n)
	}
	_, _, err = patClient(t, srv, first).Actions.ListOrganizationRunnerGroups(ctx, testOrg, nil)
	assertErrorResponse(t, err, http.StatusUnauthorized, "Bad credentials", nil)
}

// TestExpireTokens: expiring every token makes a cached installation token fail with 401.
func TestExpireTokens(t *testing.T) {
	srv := startSimulator(t, simulator.Options{})
	key, _ := appKeys(t)
	ctx := context.Background()
	gh, _ := appClient(t, srv, testInstID, privateKeyPEM(key))
	if _, _, err := gh.Actions.ListOrganizationRunnerGroups(ctx, testOrg, nil); err != nil {
		t.Fatalf("before expiry: %v", err)
	}
	srv.ExpireTokens()
	_, _, err := gh.Actions.ListOrganizationRunnerGroups(ctx, testOrg, nil)
	assertErrorResponse(t, err, http.StatusUnauthorized, "Bad credentials", nil)
}

// TestPATExpiry: a PAT past its expiry gets 401 Bad credentials.
func TestPATExpiry(t *testing.T) {
	srv := startSimulator(t, simulator.Options{})
	expires := srv.Clock().Now().Add(time.Hour)
	if _, err := srv.Setup(simulator.Setup{PATs: []simulator.PATSpec{{Token: "ghp_shortlived", Orgs: []string{testOrg}, ExpiresAt: &expires}}}); err != nil {
		t.Fatalf("setup: %v", err)
	}
	gh := patClient(t, srv, "ghp_shortlived")
	ctx := context.Background()
	if _, _, err := gh.Actions.ListOrganizationRunnerGroups(ctx, testOrg, nil); err != nil {
		t.Fatalf("before expiry: %v", err)
	}
	srv.Clock().Advance(time.Hour)
	_, _, err := gh.Actions.ListOrganizationRunnerGroups(ctx, testOrg, nil)
	assertErrorResponse(t, err, http.StatusUnauthorized, "Bad credentials", nil)
}

// TestRegistrationFlow walks scaleset's REST steps by hand (PROTOCOL.md §0 steps 1-3):
// registration tokens for each scope and the token's exchange for the tenant's Actions
// URL and an admin token.
func TestRegistrationFlow(t *testing.T) {
	srv := startSimulator(t, simulator.Options{})
	hc := &http.Client{Transport: transport(t, srv)}
	call := func(method, path, auth string, body any) (int, map[string]any) {
		t.Helper()
		var rd io.Reader
		if body != nil {
			b, _ := json.Marshal(body)
			rd = bytes.NewReader(b)
		}
		req, err := http.NewRequest(method, srv.URL+path, rd)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", auth)
		resp, err := hc.Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
		defer resp.Body.Close()
		out := map[string]any{}
		_ = json.NewDecoder(resp.Body).Decode(&out)
		return resp.StatusCode, out
	}
	cases := map[string]struct {
		reason   string
		path     string
		auth     string
		scope    string
		kind     string
		name     string
		wantCode int
	}{
		"Org":             {reason: "An org admin PAT registers at org scope.", path: "/api/v3/orgs/octo-org/actions/runners/registration-token", auth: "Bearer " + adminPAT, scope: "/octo-org", kind: simulator.KindOrganization, name: testOrg, wantCode: 201},
		"OrgTokenScheme":  {reason: "The token scheme is accepted case-insensitively.", path: "/api/v3/orgs/octo-org/actions/runners/registration-token", auth: "TOKEN " + adminPAT, scope: "/octo-org", kind: simulator.KindOrganization, name: testOrg, wantCode: 201},
		"Repo":            {reason: "An org admin PAT administers its repositories.", path: "/api/v3/repos/octo-org/hello-world/actions/runners/registration-token", auth: "Bearer " + adminPAT, scope: "/octo-org/hello-world", kind: simulator.KindRepository, name: "octo-org/hello-world", wantCode: 201},
		"Enterprise":      {reason: "An enterprise PAT registers at enterprise scope.", path: "/api/v3/enterprises/octo-ent/actions/runners/registration-token", auth: "Bearer " + enterprisePAT, scope: "/enterprises/octo-ent", kind: simulator.KindEnterprise, name: testEnterprise, wantCode: 201},
		"NoRights":        {reason: "A user without rights is refused.", path: "/api/v3/orgs/octo-org/actions/runners/registration-token", auth: "Bearer " + readerPAT, wantCode: 403},
		"EnterpriseByOrg": {reason: "Org rights do not reach the enterprise.", path: "/api/v3/enterprises/octo-ent/actions/runners/registration-token", auth: "Bearer " + adminPAT, wantCode: 403},
		"UnknownOrg":      {reason: "An unknown org is a 404.", path: "/api/v3/orgs/nope/actions/runners/registration-token", auth: "Bearer " + adminPAT, wantCode: 404},
		"BadCredentials":  {reason: "An unknown token is a 401.", path: "/api/v3/orgs/octo-org/actions/runners/registration-token", auth: "Bearer nope", wantCode: 401},
		"NoCredentials":   {reason: "No token is a 401.", path: "/api/v3/orgs/octo-org/actions/runners/registration-token", wantCode: 401},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			code, body := call(http.MethodPost, tc.path, tc.auth, nil)
			if code != tc.wantCode {
				t.Fatalf("registration-token: status %d (%v), want %d", code, body, tc.wantCode)
			}
			if code != http.StatusCreated {
				if body["message"] == "" || body["documentation_url"] == "" {
					t.Errorf("error body %v lacks message or documentation_url", body)
				}
				return
			}
			regToken, _ := body["token"].(string)
			if len(regToken) != 29 {
				t.Errorf("registration token %q: want 29 characters", regToken)
			}
			code, reg := call(http.MethodPost, "/api/v3/actions/runner-registration", "RemoteAuth "+regToken,
				map[string]string{"url": srv.URL + tc.scope, "runner_event": "register"})
			if code != http.StatusCreated {
				t.Fatalf("runner-registration: status %d (%v), want 201", code, reg)
			}
			tenant, ok := srv.Tenant(tc.kind, tc.name)
			if !ok {
				t.Fatalf("no tenant for %s %s", tc.kind, tc.name)
			}
			if reg["url"] != tenant.ActionsURL || reg["token"] == "" || reg["token_schema"] != "OAuthAccessToken" {
				t.Errorf("runner-registration answer %v, want url %s, a token and OAuthAccessToken", reg, tenant.ActionsURL)
			}
			// The token is bound to its scope.
			code, _ = call(http.MethodPost, "/api/v3/actions/runner-registration", "RemoteAuth "+regToken,
				map[string]string{"url": srv.URL + "/other-org", "runner_event": "register"})
			if code != http.StatusNotFound {
				t.Errorf("runner-registration for another scope: status %d, want 404", code)
			}
		})
	}

	code, _ := call(http.MethodPost, "/api/v3/actions/runner-registration", "RemoteAuth NOTATOKEN", map[string]string{"url": srv.URL + "/octo-org"})
	if code != http.StatusUnauthorized {
		t.Errorf("unknown registration token: status %d, want 401", code)
	}
}

// TestHostedLayout: go-github in GitHub.com mode (api.github.localhost, no /api/v3)
// reaches the same store through a dialer that sends every host to the simulator.
func TestHostedLayout(t *testing.T) {
	srv := startSimulator(t, simulator.Options{})
	tr := transport(t, srv)
	addr := strings.TrimPrefix(srv.URL, "https://")
	tr.DialContext = func(ctx context.Context, network, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, network, addr)
	}
	base := "https://api.github.localhost/"
	gh, err := github.NewClient(github.WithHTTPClient(&http.Client{Transport: tr}), github.WithURLs(&base, &base), github.WithAuthToken(adminPAT))
	if err != nil {
		t.Fatalf("client: %v", err)
	}
	ctx := context.Background()
	g, _, err := gh.Actions.CreateOrganizationRunnerGroup(ctx, testOrg, github.CreateRunnerGroupRequest{Name: github.Ptr("hosted")})
	if err != nil {
		t.Fatalf("create through hosted layout: %v", err)
	}
	if want := "https://api.github.localhost/orgs/octo-org/actions/runner-groups/2/runners"; g.GetRunnersURL() != want {
		t.Errorf("runners_url %q, want %q", g.GetRunnersURL(), want)
	}
	got, _, err := patClient(t, srv, adminPAT).Actions.GetOrganizationRunnerGroup(ctx, testOrg, g.GetID())
	if err != nil || got.GetName() != "hosted" {
		t.Errorf("GHES layout sees %v, %v; want the group created through the hosted layout", got, err)
	}
	if n := srv.Counters().Calls("POST api.github.localhost/orgs/{org}/actions/runner-groups"); n != 1 {
		t.Errorf("hosted-layout create calls counted: %d, want 1", n)
	}
}
