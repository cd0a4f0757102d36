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
	"testing"

	"github.com/arc-crossplane/provider-github-arc/internal/clients"
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
