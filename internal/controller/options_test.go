/*
Copyright 2026 The provider-github-arc Authors.

Licensed under the Apache License, Version 2.0 (the "License");
you may not use this file except in compliance with the License.
You may obtain a copy of the License at

    http://www.apache.org/licenses/LICENSE-2.0

Unless required by applicable law or agreed to in writing, software
distributed under the License is distributed on an "AS IS" BASIS,
WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
See the License for the specific language governing permissions and
limitations under the License.
*/

package controller

import (
	"context"
	"errors"
	"testing"

	"github.com/arc-crossplane/provider-github-arc/internal/clients"
	"github.com/arc-crossplane/provider-github-arc/internal/clients/actions"
	ghclient "github.com/arc-crossplane/provider-github-arc/internal/clients/github"
	"github.com/arc-crossplane/provider-github-arc/internal/simulator"
)

func TestGitHubClientsAreShared(t *testing.T) {
	cfg := &clients.Config{ConfigURL: "https://github.com/octo", Token: "ghp_a"}
	first, err := NewGitHubClient(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	again, err := NewGitHubClient(t.Context(), &clients.Config{ConfigURL: "https://github.com/octo", Token: "ghp_a"})
	if err != nil {
		t.Fatal(err)
	}
	if first != again {
		t.Errorf("the same configuration got a second REST client")
	}
	rotated, err := NewGitHubClient(t.Context(), &clients.Config{ConfigURL: "https://github.com/octo", Token: "ghp_b"})
	if err != nil {
		t.Fatal(err)
	}
	if rotated == first {
		t.Errorf("a rotated token got the old client")
	}
}

func TestActionsClientsAreUsedInTurn(t *testing.T) {
	cfg := &clients.Config{ConfigURL: "https://github.com/octo-turns", Token: "ghp_turns"}
	seen := map[any]int{}
	for range 3 * actionsClientsPerConfig {
		c, err := NewActionsClient(t.Context(), cfg)
		if err != nil {
			t.Fatal(err)
		}
		seen[c]++
	}
	if len(seen) != actionsClientsPerConfig {
		t.Fatalf("distinct Actions Service clients of one configuration: want %d, got %d", actionsClientsPerConfig, len(seen))
	}
	for c, n := range seen {
		if n != 3 {
			t.Errorf("client %p handed out %d times, want 3 (in turn)", c, n)
		}
	}
}

func TestOptionsFactories(t *testing.T) {
	var o Options
	if o.GitHubClient() == nil || o.ActionsClient() == nil {
		t.Fatal("the zero Options must fall back to the real client factories")
	}

	// Factories that are set are the ones used: a test's fake replaces GitHub.
	errGitHub, errActions := errors.New("fake GitHub"), errors.New("fake Actions Service")
	o = Options{
		GitHubClientFactory:  func(context.Context, *clients.Config) (ghclient.RunnerGroupClient, error) { return nil, errGitHub },
		ActionsClientFactory: func(context.Context, *clients.Config) (actions.Client, error) { return nil, errActions },
	}
	if _, err := o.GitHubClient()(t.Context(), &clients.Config{}); !errors.Is(err, errGitHub) {
		t.Errorf("GitHubClient(): want the factory that was set, got one that returned %v", err)
	}
	if _, err := o.ActionsClient()(t.Context(), &clients.Config{}); !errors.Is(err, errActions) {
		t.Errorf("ActionsClient(): want the factory that was set, got one that returned %v", err)
	}
}

func TestWithDefaults(t *testing.T) {
	o := Options{ListenerImage: "example.com/listener:v1"}.WithDefaults()
	if o.Logger == nil || o.GlobalRateLimiter == nil || o.Features == nil {
		t.Errorf("WithDefaults left a nil logger, rate limiter or feature set: %+v", o)
	}
	if o.PollInterval <= 0 || o.MaxConcurrentReconciles <= 0 {
		t.Errorf("WithDefaults: want a positive poll interval and concurrency, got %s and %d", o.PollInterval, o.MaxConcurrentReconciles)
	}
	if o.ListenerImage != "example.com/listener:v1" {
		t.Errorf("WithDefaults replaced a listener image that was set: %q", o.ListenerImage)
	}
}

// fakeActionsClient answers GetRunner with err.
type fakeActionsClient struct {
	actions.Client
	id  int
	err error
}

func (f *fakeActionsClient) GetRunner(context.Context, int) (*actions.Runner, error) {
	if f.err != nil {
		return nil, f.err
	}
	return &actions.Runner{ID: f.id}, nil
}

// A refused admin token drops the configuration's whole pool, and only then:
// other errors, and a late refusal by a client of a pool dropped already,
// keep the clients.
func TestActionsClientPoolIsDroppedOnUnauthorized(t *testing.T) {
	const key = "config"
	unauthorized := errors.New(`request GET https://h/_apis/x failed(status="401 Unauthorized"): VssUnauthorizedException: expired`)
	notFound := errors.New(`request GET https://h/_apis/x failed(status="404 Not Found"): AgentNotFoundException: gone`)

	cache := newClientCache[actions.Client](2)
	var built []*fakeActionsClient
	get := func() actions.Client {
		t.Helper()
		c, err := cachedActionsClient(cache, key, func() (actions.Client, error) {
			f := &fakeActionsClient{id: len(built) + 1}
			built = append(built, f)
			return f, nil
		})
		if err != nil {
			t.Fatalf("cachedActionsClient: %v", err)
		}
		return c
	}
	call := func(c actions.Client) error {
		_, err := c.GetRunner(t.Context(), 1)
		return err
	}

	first, second := get(), get()
	if first == second {
		t.Fatalf("a pool of two handed out one client twice")
	}
	built[0].err = notFound
	if err := call(first); !actions.IsNotFound(err) {
		t.Fatalf("GetRunner: want the not-found error passed through, got %v", err)
	}
	if again := get(); again != first || len(built) != 2 {
		t.Fatalf("a not-found error dropped the pool (%d clients built)", len(built))
	}

	built[1].err = unauthorized
	if err := call(second); !actions.IsUnauthorized(err) {
		t.Fatalf("GetRunner: want the 401 passed through, got %v", err)
	}
	fresh := get()
	if fresh == first || fresh == second || len(built) != 3 {
		t.Fatalf("after a 401 the pool was kept: got an old client (%d clients built, want 3)", len(built))
	}
	if err := call(fresh); err != nil {
		t.Fatalf("GetRunner through the fresh client: %v", err)
	}

	// The first client, of the dropped pool, is refused too now; the fresh
	// pool must stay.
	built[0].err = unauthorized
	if err := call(first); !actions.IsUnauthorized(err) {
		t.Fatalf("GetRunner: want the 401 passed through, got %v", err)
	}
	if again := get(); again == fresh || len(built) != 4 {
		t.Fatalf("want the second client of the fresh pool (4 built), got %d built", len(built))
	}
	if again := get(); again != fresh {
		t.Errorf("a late 401 from a dropped pool's client dropped the fresh pool")
	}
}

// Against the simulator: when the service revokes every token it issued, the
// cached clients' next call fails with 401, and the one after goes through a
// fresh client that registered anew.
func TestActionsClientsRenewAfterTokensExpire(t *testing.T) {
	const pat = "ghp_renewal"
	srv, err := simulator.Start(t.Context(), simulator.Options{Setup: simulator.Setup{
		Orgs: []simulator.OrgSpec{{Login: "octo"}},
		PATs: []simulator.PATSpec{{Token: pat, Orgs: []string{"octo"}}},
	}})
	if err != nil {
		t.Fatalf("simulator.Start: %v", err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	cfg := &clients.Config{ConfigURL: srv.URL + "/octo", Token: pat, CABundle: srv.CACertPEM}
	call := func() (actions.Client, error) {
		t.Helper()
		c, err := NewActionsClient(t.Context(), cfg)
		if err != nil {
			t.Fatalf("NewActionsClient: %v", err)
		}
		_, err = c.GetRunnerGroupByName(t.Context(), "Default")
		return c, err
	}

	// Every client of the pool holds an admin token.
	old := map[actions.Client]bool{}
	for range actionsClientsPerConfig {
		c, err := call()
		if err != nil {
			t.Fatalf("GetRunnerGroupByName before the expiry: %v", err)
		}
		old[c] = true
	}
	if len(old) != actionsClientsPerConfig {
		t.Fatalf("want a full pool of %d clients, got %d", actionsClientsPerConfig, len(old))
	}

	srv.ExpireTokens()
	if _, err := call(); !actions.IsUnauthorized(err) {
		t.Fatalf("the first call after the expiry: want a 401, got %v", err)
	}
	c, err := call()
	if err != nil {
		t.Fatalf("the call after the 401: want it to go through a fresh client, got %v", err)
	}
	if old[c] {
		t.Errorf("the call after the 401 went through a client of the old pool")
	}
}
