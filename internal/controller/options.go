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

// Package controller holds what every controller of the provider shares: the
// options each package's Setup takes, and the client factories through which
// controllers reach GitHub (and tests replace GitHub).
package controller

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"time"

	xpcontroller "github.com/crossplane/crossplane-runtime/v2/pkg/controller"

	"github.com/arc-crossplane/provider-github-arc/internal/clients"
	"github.com/arc-crossplane/provider-github-arc/internal/clients/actions"
	ghclient "github.com/arc-crossplane/provider-github-arc/internal/clients/github"
)

// DefaultListenerImage is the listener image when --listener-image is not
// given: the listener built from the same source as this provider.
const DefaultListenerImage = "ghcr.io/arc-crossplane/provider-github-arc-listener:v0.1.0"

// A GitHubClientFactory returns a client of GitHub's REST API for runner
// groups, for one resolved provider configuration.
type GitHubClientFactory func(ctx context.Context, cfg *clients.Config) (ghclient.RunnerGroupClient, error)

// An ActionsClientFactory returns a client of the Actions Service for one
// resolved provider configuration.
type ActionsClientFactory func(ctx context.Context, cfg *clients.Config) (actions.Client, error)

// Options configure every controller's Setup.
//
// The embedded crossplane-runtime options carry the Logger, PollInterval,
// MaxConcurrentReconciles, GlobalRateLimiter, Features and the safe-start
// Gate, and build controller-runtime's options (ForControllerRuntime).
type Options struct {
	xpcontroller.Options

	// ListenerImage is the image of the listener pods the
	// AutoscalingListener controller creates.
	ListenerImage string

	// RunnerMaxConcurrentReconciles is how many EphemeralRunners (one each)
	// the EphemeralRunner controller reconciles at once, as ARC's flag of
	// that name; MaxConcurrentReconciles when zero. Bursts need more of
	// these workers than the other controllers: each one waits on the API
	// server and the Actions Service for its runner.
	RunnerMaxConcurrentReconciles int

	// GitHubClientFactory builds REST clients; nil means NewGitHubClient.
	// Tests replace it with a fake.
	GitHubClientFactory GitHubClientFactory

	// ActionsClientFactory builds Actions Service clients; nil means
	// NewActionsClient. Tests replace it with a fake.
	ActionsClientFactory ActionsClientFactory
}

// WithDefaults returns o with crossplane-runtime's defaults for whatever was
// left unset, so that a Setup given partial Options (a test's, say) neither
// panics on a nil logger nor stops polling for drift.
func (o Options) WithDefaults() Options {
	d := xpcontroller.DefaultOptions()
	if o.Logger == nil {
		o.Logger = d.Logger
	}
	if o.GlobalRateLimiter == nil {
		o.GlobalRateLimiter = d.GlobalRateLimiter
	}
	if o.PollInterval <= 0 {
		o.PollInterval = d.PollInterval
	}
	if o.MaxConcurrentReconciles <= 0 {
		o.MaxConcurrentReconciles = d.MaxConcurrentReconciles
	}
	if o.Features == nil {
		o.Features = d.Features
	}
	if o.ListenerImage == "" {
		o.ListenerImage = DefaultListenerImage
	}
	return o
}

// GitHubClient returns the REST client factory to use.
func (o Options) GitHubClient() GitHubClientFactory {
	if o.GitHubClientFactory != nil {
		return o.GitHubClientFactory
	}
	return NewGitHubClient
}

// ActionsClient returns the Actions Service client factory to use.
func (o Options) ActionsClient() ActionsClientFactory {
	if o.ActionsClientFactory != nil {
		return o.ActionsClientFactory
	}
	return NewActionsClient
}

// Controllers fail a call fast and let the reconciler's rate limiter back off,
// rather than wait inside a reconcile through the library's long retries.
const (
	controllerCallTimeout = 30 * time.Second
	controllerRetries     = 1
	controllerRetryWait   = 2 * time.Second
)

// Clients are cached per configuration. A GitHub App client holds its
// installation token and an Actions Service client its admin token: building
// one per reconcile would mint a token per reconcile, which a burst of
// hundreds of runners turns into a rate limit. A rotated credential changes
// the key, so it gets a fresh client.
//
// The scaleset library's client runs one call at a time (a mutex guards every
// public call, retries included), so each configuration gets a few Actions
// Service clients, used in turn, for reconciles to run side by side.
// go-github's client is safe for concurrent use: one is enough.
var (
	githubClients  = newClientCache[ghclient.RunnerGroupClient](1)
	actionsClients = newClientCache[actions.Client](actionsClientsPerConfig)
)

// actionsClientsPerConfig is the number of Actions Service clients, and so of
// concurrent calls, per configuration.
const actionsClientsPerConfig = 8

// NewGitHubClient returns a (cached) go-github client for cfg.
func NewGitHubClient(_ context.Context, cfg *clients.Config) (ghclient.RunnerGroupClient, error) {
	return githubClients.get(cacheKey(cfg), func() (ghclient.RunnerGroupClient, error) {
		c, err := cfg.GitHubClientConfig()
		if err != nil {
			return nil, err
		}
		c.Timeout = controllerCallTimeout
		return ghclient.New(c)
	})
}

// NewActionsClient returns a (cached) Actions Service client for cfg.
func NewActionsClient(_ context.Context, cfg *clients.Config) (actions.Client, error) {
	return cachedActionsClient(actionsClients, cacheKey(cfg), func() (actions.Client, error) {
		c := cfg.ActionsClientConfig()
		c.Timeout = controllerCallTimeout
		c.Retry = &actions.Retry{Max: controllerRetries, WaitMax: controllerRetryWait}
		return actions.New(c)
	})
}

// cachedActionsClient returns a client of key's pool in cache, built by build
// when the pool has room. The pool holds the clients wrapped so that a refused
// admin token empties it.
func cachedActionsClient(cache *clientCache[actions.Client], key string, build func() (actions.Client, error)) (actions.Client, error) {
	return cache.get(key, func() (actions.Client, error) {
		inner, err := build()
		if err != nil {
			return nil, err
		}
		c := &renewingActionsClient{inner: inner}
		c.forget = func() { cache.forget(key, c) }
		return c, nil
	})
}

// renewingActionsClient is a cached Actions Service client that drops its
// configuration's pool from the cache when the service refuses its
// credentials. The library renews its admin token only when the token's own
// expiry nears, never on a 401: a token the service revoked early would stay
// in use, and every reconcile through it fail, until that expiry. Dropped,
// the next reconcile builds a client that registers again for a new token;
// the call that met the 401 fails, and the reconciler's backoff retries it.
type renewingActionsClient struct {
	// inner is not embedded: a method added to actions.Client must be
	// added here, with its check, for this to compile.
	inner  actions.Client
	forget func()
}

var _ actions.Client = (*renewingActionsClient)(nil)

// checked forgets the pool when err is a refused credential, and returns err.
func (c *renewingActionsClient) checked(err error) error {
	if actions.IsUnauthorized(err) {
		c.forget()
	}
	return err
}

func (c *renewingActionsClient) GetRunnerGroupByName(ctx context.Context, name string) (*actions.RunnerGroup, error) {
	g, err := c.inner.GetRunnerGroupByName(ctx, name)
	return g, c.checked(err)
}

func (c *renewingActionsClient) GetScaleSet(ctx context.Context, runnerGroupID int, name string) (*actions.ScaleSet, error) {
	s, err := c.inner.GetScaleSet(ctx, runnerGroupID, name)
	return s, c.checked(err)
}

func (c *renewingActionsClient) GetScaleSetByID(ctx context.Context, id int) (*actions.ScaleSet, error) {
	s, err := c.inner.GetScaleSetByID(ctx, id)
	return s, c.checked(err)
}

func (c *renewingActionsClient) CreateScaleSet(ctx context.Context, spec actions.ScaleSetSpec) (*actions.ScaleSet, error) {
	s, err := c.inner.CreateScaleSet(ctx, spec)
	return s, c.checked(err)
}

func (c *renewingActionsClient) UpdateScaleSet(ctx context.Context, id int, spec actions.ScaleSetSpec) (*actions.ScaleSet, error) {
	s, err := c.inner.UpdateScaleSet(ctx, id, spec)
	return s, c.checked(err)
}

func (c *renewingActionsClient) DeleteScaleSet(ctx context.Context, id int) error {
	return c.checked(c.inner.DeleteScaleSet(ctx, id))
}

func (c *renewingActionsClient) GenerateJITConfig(ctx context.Context, scaleSetID int, runnerName, workFolder string) (*actions.JITConfig, error) {
	j, err := c.inner.GenerateJITConfig(ctx, scaleSetID, runnerName, workFolder)
	return j, c.checked(err)
}

func (c *renewingActionsClient) GetRunner(ctx context.Context, id int) (*actions.Runner, error) {
	r, err := c.inner.GetRunner(ctx, id)
	return r, c.checked(err)
}

func (c *renewingActionsClient) GetRunnerByName(ctx context.Context, name string) (*actions.Runner, error) {
	r, err := c.inner.GetRunnerByName(ctx, name)
	return r, c.checked(err)
}

func (c *renewingActionsClient) RemoveRunner(ctx context.Context, id int64) error {
	return c.checked(c.inner.RemoveRunner(ctx, id))
}

// maxCachedConfigs bounds the cache; past it the cache starts over, which
// costs one token per configuration and never a wrong client.
const maxCachedConfigs = 512

type clientCache[T comparable] struct {
	mu    sync.Mutex
	size  int
	pools map[string]*clientPool[T]
}

// clientPool holds up to size clients of one configuration, handed out in
// turn.
type clientPool[T any] struct {
	clients []T
	next    int
}

func newClientCache[T comparable](size int) *clientCache[T] {
	return &clientCache[T]{size: size, pools: map[string]*clientPool[T]{}}
}

func (c *clientCache[T]) get(key string, build func() (T, error)) (T, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	p, ok := c.pools[key]
	if !ok {
		if len(c.pools) >= maxCachedConfigs {
			c.pools = map[string]*clientPool[T]{}
		}
		p = &clientPool[T]{}
		c.pools[key] = p
	}
	if len(p.clients) < c.size {
		// Building a client makes no call: tokens are fetched on first use.
		cl, err := build()
		if err != nil {
			var zero T
			return zero, err
		}
		p.clients = append(p.clients, cl)
		return cl, nil
	}
	cl := p.clients[p.next%len(p.clients)]
	p.next++
	return cl, nil
}

// forget drops key's pool if it still holds cl. Its clients got their tokens
// the same way, and what made the service refuse one (it revoked the tokens it
// issued) holds for the others too: dropping them all spares a failed
// reconcile per client. A client of a pool dropped already changes nothing,
// so a late failure cannot drop the fresh pool that replaced it.
func (c *clientCache[T]) forget(key string, cl T) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if p, ok := c.pools[key]; ok && slices.Contains(p.clients, cl) {
		delete(c.pools, key)
	}
}

// cacheKey is a digest of every field of cfg, so that no credential is kept
// as a map key in clear.
func cacheKey(cfg *clients.Config) string {
	h := sha256.New()
	for _, f := range [][]byte{
		[]byte(cfg.ConfigURL), []byte(cfg.Token), []byte(strconv.FormatInt(cfg.AppID, 10)), []byte(cfg.ClientID),
		[]byte(strconv.FormatInt(cfg.InstallationID, 10)), cfg.PrivateKey, cfg.CABundle,
	} {
		_, _ = fmt.Fprintf(h, "%d:", len(f))
		_, _ = h.Write(f)
	}
	return hex.EncodeToString(h.Sum(nil))
}
