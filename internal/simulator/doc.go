// Package simulator imitates GitHub over HTTPS closely enough that the real client
// libraries (go-github, ghinstallation, actions/scaleset) work against it unchanged.
// The REST side lives here; the Actions Service of package actions is mounted on the
// same listener. shared/PROTOCOL.md is the wire contract.
//
// # Layouts
//
// One TLS listener on 127.0.0.1 with its own CA (Server.CACertPEM, Options.CAFile)
// serves:
//
//   - GHES-style REST under /api/v3/ (config URLs such as https://127.0.0.1:PORT/ORG);
//   - GitHub.com-style REST on host api.github.localhost (the certificate also covers
//     github.localhost; clients dial the simulator's address for those names);
//   - the Actions Service under /_actions/{tenant}/ (tenant ids "t-1", "t-2", ...);
//   - the simulator's own admin routes under /_sim/.
//
// # Tenants and credentials
//
// Setup (Go: Server.Setup; HTTP: POST /_sim/tenants) declares enterprises, orgs with
// repositories, PATs with the orgs/repositories/enterprises they administer, and
// GitHub Apps (RSA public key, App ID, client ID) with installations on orgs. Every
// org, repository and enterprise is a tenant with its own Default runner group (id 1).
//
// Auth follows PROTOCOL.md §2: Bearer or token PATs and installation tokens; App JWTs
// (RS256, iss = App ID or client ID, checked against the wall clock with 60 s skew)
// only on /app/installations/{id}/access_tokens; registration tokens (RemoteAuth)
// only on /actions/runner-registration, which answers the tenant's Actions URL and an
// admin token from the Actions Service. Bad or expired credentials get 401 "Bad
// credentials", missing rights 403, unknown scopes 404.
//
// # Admin routes (package simclient is their Go client)
//
//	POST /_sim/tenants          apply a Setup; answers SetupResult
//	GET  /_sim/tenants          list tenants
//	GET  /_sim/faults           the Faults in force
//	POST /_sim/faults           replace the Faults in force
//	POST /_sim/tokens/expire    expire every issued installation, registration, admin and MQ token
//	POST /_sim/ratelimits/reset forget every rate-limit bucket
//	GET  /_sim/clock            the simulated time
//	POST /_sim/clock            {"advance":"24h"} moves the simulated clock
//	GET  /_sim/counters         calls per endpoint pattern and status
//	POST /_sim/counters/reset   zero the counters
//
// The Actions Service adds its own (/_sim/jobs, /_sim/runners/..., /_sim/actions/state).
//
// # Faults, clock and counters
//
// Faults (Options.Faults, Server.SetFaults, POST /_sim/faults) inject 5xx answers and
// connection resets at seeded-random rates (overall or per endpoint pattern), latency,
// primary (403 or 429 with X-RateLimit-Remaining 0) and secondary (Retry-After,
// documentation_url ending #secondary-rate-limits) rate limits, and forced statuses for
// the next N calls of an endpoint; they also set token lifetimes and the long-poll
// timeout. Faults apply to GitHub's routes, REST and Actions, never to /_sim/.
//
// Every REST answer carries X-RateLimit-* headers from a real per-credential hourly
// bucket (5000 by default, 60 per IP unauthenticated) and X-GitHub-Request-Id.
//
// Token lifetimes and rate-limit windows run on the settable Clock, so advancing it
// expires tokens and empties buckets without waiting. App JWTs are the exception:
// clients sign them with their own wall clock.
//
// Counters count every call of a GitHub route under the ServeMux pattern that served
// it, for example "POST /api/v3/orgs/{org}/actions/runner-groups" or
// "GET /_actions/{tenant}/_apis/runtime/runnergroups/{$}", by status and status class;
// resets and handler panics are counted too. The benchmarks report calls per job from
// them.
package simulator
