package github_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	ghclient "github.com/arc-crossplane/provider-github-arc/internal/clients/github"
	"github.com/arc-crossplane/provider-github-arc/internal/simulator"
)

const (
	org        = "octo-org"
	enterprise = "octo-ent"
	orgPAT     = "ghp_org_admin"
	entPAT     = "ghp_ent_admin"
	appID      = int64(11)
	instID     = int64(22)
)

type fixture struct {
	srv    *simulator.Server
	appKey []byte
}

func start(t *testing.T, faults simulator.Faults) fixture {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})
	ctx, cancel := context.WithCancel(context.Background())
	srv, err := simulator.Start(ctx, simulator.Options{
		Faults: faults,
		Setup: simulator.Setup{
			Enterprises: []simulator.EnterpriseSpec{{Slug: enterprise}},
			Orgs: []simulator.OrgSpec{
				{Login: org, Enterprise: enterprise, Repositories: []simulator.RepoSpec{{Name: "api"}, {Name: "web", Private: true}}},
				{Login: "other-org", Repositories: []simulator.RepoSpec{{Name: "lib"}}},
			},
			PATs: []simulator.PATSpec{{Token: orgPAT, Orgs: []string{org}}, {Token: entPAT, Enterprises: []string{enterprise}}},
			Apps: []simulator.AppSpec{{ID: appID, PublicKeyPEM: string(keyPEM), Installations: []simulator.InstallationSpec{
				{ID: instID, Org: org, Permissions: map[string]string{"organization_self_hosted_runners": "write"}},
			}}},
		},
	})
	if err != nil {
		cancel()
		t.Fatalf("start simulator: %v", err)
	}
	t.Cleanup(func() { cancel(); _ = srv.Close() })
	return fixture{srv: srv, appKey: keyPEM}
}

func (f fixture) client(t *testing.T, cfg ghclient.Config) *ghclient.Client {
	t.Helper()
	cfg.BaseURL = f.srv.URL // a GHES host; the client completes /api/v3/
	cfg.CABundle = f.srv.CACertPEM
	c, err := ghclient.New(cfg)
	if err != nil {
		t.Fatalf("new client: %v", err)
	}
	return c
}

// TestOrganizationRunnerGroups runs the whole interface against the simulator with a
// PAT: more than one page of groups, lookups by name, errors, repositories.
func TestOrganizationRunnerGroups(t *testing.T) {
	f := start(t, simulator.Faults{})
	c := f.client(t, ghclient.Config{Organization: org, PersonalAccessToken: orgPAT})
	ctx := context.Background()

	const extra = 104 // with Default: 105 groups, two pages of 100
	for i := range extra {
		if _, err := c.CreateRunnerGroup(ctx, ghclient.RunnerGroupParameters{Name: fmt.Sprintf("g-%03d", i)}); err != nil {
			t.Fatalf("create %d: %v", i, err)
		}
	}
	groups, err := c.ListRunnerGroups(ctx)
	if err != nil {
		t.Fatalf("list: %v", err)
	}
	if len(groups) != extra+1 || groups[0].Name != "Default" || groups[extra].Name != fmt.Sprintf("g-%03d", extra-1) {
		t.Fatalf("listed %d groups (first %q), want %d from Default to g-%03d", len(groups), groups[0].Name, extra+1, extra-1)
	}
	const listPattern = "GET /api/v3/orgs/{org}/actions/runner-groups"
	if n := f.srv.Counters().Calls(listPattern); n != 2 {
		t.Errorf("list calls %d, want 2 pages", n)
	}

	byName, err := c.GetRunnerGroupByName(ctx, "G-050")
	if err != nil {
		t.Fatalf("by name: %v", err)
	}
	if byName.Name != "g-050" {
		t.Errorf("by name: got %q", byName.Name)
	}
	if _, err := c.GetRunnerGroupByName(ctx, "absent"); !ghclient.IsNotFound(err) {
		t.Errorf("absent name: error %v, want IsNotFound", err)
	}
	if _, err := c.GetRunnerGroup(ctx, 9999); !ghclient.IsNotFound(err) {
		t.Errorf("unknown id: error %v, want IsNotFound", err)
	}
	_, err = c.CreateRunnerGroup(ctx, ghclient.RunnerGroupParameters{Name: "G-000"})
	if !ghclient.IsAlreadyExists(err) || ghclient.IsNotFound(err) {
		t.Errorf("duplicate: error %v, want IsAlreadyExists only", err)
	}

	ids, err := c.ResolveRepositoryIDs(ctx, []string{"api", "octo-org/web", "other-org/lib"})
	if err != nil {
		t.Fatalf("resolve: %v", err)
	}
	if len(ids) != 3 || ids["api"] == 0 || ids["octo-org/web"] == 0 || ids["other-org/lib"] == 0 {
		t.Fatalf("resolved %v", ids)
	}
	if _, err := c.ResolveRepositoryIDs(ctx, []string{"api", "nope"}); !ghclient.IsNotFound(err) {
		t.Errorf("resolve missing: error %v, want IsNotFound", err)
	}
	if _, err := c.ResolveRepositoryIDs(ctx, []string{"a/b/c"}); err == nil || ghclient.IsNotFound(err) {
		t.Errorf("resolve malformed: error %v, want a plain error", err)
	}

	yes := true
	g, err := c.CreateRunnerGroup(ctx, ghclient.RunnerGroupParameters{
		Name: "selected", Visibility: "selected", AllowsPublicRepositories: &yes, SelectedRepositoryIDs: []int64{ids["api"]},
	})
	if err != nil {
		t.Fatalf("create selected: %v", err)
	}
	want := &ghclient.RunnerGroup{ID: g.ID, Name: "selected", Visibility: "selected", AllowsPublicRepositories: true}
	if diff := cmp.Diff(want, g); diff != "" {
		t.Errorf("created (-want +got):\n%s", diff)
	}
	if err := c.SetSelectedRepositories(ctx, g.ID, []int64{ids["api"], ids["octo-org/web"]}); err != nil {
		t.Fatalf("set repositories: %v", err)
	}
	repos, err := c.ListSelectedRepositories(ctx, g.ID)
	if err != nil {
		t.Fatalf("list repositories: %v", err)
	}
	wantRepos := []ghclient.Repository{
		{ID: ids["api"], Name: "api", FullName: "octo-org/api"},
		{ID: ids["octo-org/web"], Name: "web", FullName: "octo-org/web", Private: true},
	}
	if diff := cmp.Diff(wantRepos, repos); diff != "" {
		t.Errorf("repositories (-want +got):\n%s", diff)
	}
	if err := c.SetSelectedRepositories(ctx, g.ID, []int64{ids["other-org/lib"]}); err == nil {
		t.Error("selecting another org's repository succeeded")
	}

	updated, err := c.UpdateRunnerGroup(ctx, g.ID, ghclient.RunnerGroupParameters{Name: "renamed", Visibility: "all"})
	if err != nil {
		t.Fatalf("update: %v", err)
	}
	if updated.Name != "renamed" || updated.Visibility != "all" || !updated.AllowsPublicRepositories {
		t.Errorf("updated %+v: want the new name and visibility, the rest unchanged", updated)
	}
	if err := c.DeleteRunnerGroup(ctx, g.ID); err != nil {
		t.Fatalf("delete: %v", err)
	}
	if err := c.DeleteRunnerGroup(ctx, g.ID); !ghclient.IsNotFound(err) {
		t.Errorf("second delete: error %v, want IsNotFound", err)
	}
}

// TestAppCredentials: the client authenticates as an App installation.
func TestAppCredentials(t *testing.T) {
	f := start(t, simulator.Faults{})
	c := f.client(t, ghclient.Config{Organization: org, App: &ghclient.AppCredentials{AppID: appID, InstallationID: instID, PrivateKeyPEM: f.appKey}})
	g, err := c.CreateRunnerGroup(context.Background(), ghclient.RunnerGroupParameters{Name: "by-app"})
	if err != nil {
		t.Fatalf("create as App: %v", err)
	}
	if g.ID != 2 {
		t.Errorf("id %d, want 2", g.ID)
	}
	if n := f.srv.Counters().Status("POST /api/v3/app/installations/{installation_id}/access_tokens", http.StatusCreated); n != 1 {
		t.Errorf("installation tokens minted: %d, want 1", n)
	}
}

// TestEnterpriseRunnerGroups: the enterprise scope uses GitHub's enterprise paths.
func TestEnterpriseRunnerGroups(t *testing.T) {
	f := start(t, simulator.Faults{})
	c := f.client(t, ghclient.Config{Enterprise: enterprise, PersonalAccessToken: entPAT})
	ctx := context.Background()
	g, err := c.CreateRunnerGroup(ctx, ghclient.RunnerGroupParameters{Name: "ent-group", Visibility: "selected"})
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	if g.Visibility != "selected" {
		t.Errorf("visibility %q", g.Visibility)
	}
	got, err := c.GetRunnerGroupByName(ctx, "ENT-GROUP")
	if err != nil || got.ID != g.ID {
		t.Fatalf("by name: %v, %v", got, err)
	}
	if _, err := c.UpdateRunnerGroup(ctx, g.ID, ghclient.RunnerGroupParameters{Visibility: "private"}); err == nil {
		t.Error("private visibility accepted for an enterprise group")
	}
	if err := c.DeleteRunnerGroup(ctx, g.ID); err != nil {
		t.Fatalf("delete: %v", err)
	}
	if _, err := c.ListSelectedRepositories(ctx, 1); !errors.Is(err, errors.ErrUnsupported) {
		t.Errorf("repositories at enterprise scope: error %v, want ErrUnsupported", err)
	}
	if n := f.srv.Counters().Calls("POST /api/v3/enterprises/{enterprise}/actions/runner-groups"); n != 1 {
		t.Errorf("enterprise create calls %d, want 1", n)
	}
}

// TestRateLimitErrors: the simulator's rate-limit answers are recognised.
func TestRateLimitErrors(t *testing.T) {
	cases := map[string]struct {
		reason     string
		faults     simulator.Faults
		retryAfter time.Duration
	}{
		"Primary": {
			reason: "403 with Remaining 0 waits until the reset, within the hour.",
			faults: simulator.Faults{PrimaryRateLimited: true},
		},
		"Secondary": {
			reason:     "A secondary limit waits Retry-After.",
			faults:     simulator.Faults{SecondaryRateLimited: true, SecondaryRetryAfter: simulator.Duration(42 * time.Second)},
			retryAfter: 42 * time.Second,
		},
		"Plain429": {
			reason: "A 429 without rate-limit markers is rate limiting too, with no known wait.",
			faults: simulator.Faults{Forced: []simulator.ForcedResponse{{Endpoint: simulator.AllEndpoints, Status: 429, Count: 1}}},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			f := start(t, tc.faults)
			c := f.client(t, ghclient.Config{Organization: org, PersonalAccessToken: orgPAT})
			_, err := c.ListRunnerGroups(context.Background())
			if !ghclient.IsRateLimited(err) {
				t.Fatalf("%s: error %v, want IsRateLimited", tc.reason, err)
			}
			wait, ok := ghclient.RetryAfter(err)
			switch name {
			case "Primary":
				if !ok || wait <= 0 || wait > time.Hour {
					t.Errorf("%s: wait %v %v", tc.reason, wait, ok)
				}
			case "Secondary":
				if !ok || wait != tc.retryAfter {
					t.Errorf("%s: wait %v %v, want %v", tc.reason, wait, ok, tc.retryAfter)
				}
			default:
				if ok {
					t.Errorf("%s: wait %v reported", tc.reason, wait)
				}
			}
		})
	}
}

func TestNewRejectsBadConfig(t *testing.T) {
	cases := map[string]struct {
		reason string
		cfg    ghclient.Config
	}{
		"NoScope":      {reason: "A scope is required.", cfg: ghclient.Config{PersonalAccessToken: "x"}},
		"TwoScopes":    {reason: "Only one scope.", cfg: ghclient.Config{Organization: "o", Enterprise: "e", PersonalAccessToken: "x"}},
		"NoCredential": {reason: "A credential is required.", cfg: ghclient.Config{Organization: "o"}},
		"Both":         {reason: "Only one credential.", cfg: ghclient.Config{Organization: "o", PersonalAccessToken: "x", App: &ghclient.AppCredentials{}}},
		"BadCA":        {reason: "A CA bundle must hold a certificate.", cfg: ghclient.Config{Organization: "o", PersonalAccessToken: "x", CABundle: []byte("nope")}},
		"BadURL":       {reason: "The base URL must be absolute.", cfg: ghclient.Config{Organization: "o", PersonalAccessToken: "x", BaseURL: "ghes.local/api/v3"}},
		"BadAppKey":    {reason: "The App key must parse.", cfg: ghclient.Config{Organization: "o", App: &ghclient.AppCredentials{AppID: 1, InstallationID: 2, PrivateKeyPEM: []byte("nope")}}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if _, err := ghclient.New(tc.cfg); err == nil {
				t.Errorf("%s: New succeeded", tc.reason)
			}
		})
	}
}
