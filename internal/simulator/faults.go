package simulator

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"sync"
	"time"
)

// AllEndpoints in a per-endpoint map or a ForcedResponse applies to every endpoint.
const AllEndpoints = "*"

// Faults are the misbehaviours and knobs of PROTOCOL.md §5.12. The zero value is a
// well-behaved GitHub with default token lifetimes. Faults apply to GitHub's routes
// (REST and the Actions Service), never to the simulator's own /_sim/ routes.
type Faults struct {
	// ErrorRate is the share (0..1) of calls answered with ErrorStatus.
	ErrorRate float64 `json:"errorRate,omitempty"`
	// ErrorRates overrides ErrorRate per endpoint pattern, for example
	// "POST /api/v3/orgs/{org}/actions/runner-groups".
	ErrorRates map[string]float64 `json:"errorRates,omitempty"`
	// ErrorStatus is the 5xx status of injected errors; 500 by default.
	ErrorStatus int `json:"errorStatus,omitempty"`

	// ResetRate is the share (0..1) of calls whose connection is closed without an answer.
	ResetRate float64 `json:"resetRate,omitempty"`
	// ResetRates overrides ResetRate per endpoint pattern.
	ResetRates map[string]float64 `json:"resetRates,omitempty"`

	// Latency is added to every call before it is served.
	Latency Duration `json:"latency,omitempty"`

	// RateLimitPerHour is the primary limit of each credential's bucket; 5000 by default.
	RateLimitPerHour int `json:"rateLimitPerHour,omitempty"`
	// PrimaryRateLimited answers every REST call as if its bucket were empty.
	PrimaryRateLimited bool `json:"primaryRateLimited,omitempty"`
	// RateLimitStatus is the status of primary and secondary refusals: 403 (default) or 429.
	RateLimitStatus int `json:"rateLimitStatus,omitempty"`
	// SecondaryRateLimited answers every REST call with a secondary-limit refusal.
	SecondaryRateLimited bool `json:"secondaryRateLimited,omitempty"`
	// SecondaryRetryAfter is the Retry-After of secondary refusals; 60 s by default.
	SecondaryRetryAfter Duration `json:"secondaryRetryAfter,omitempty"`

	// Forced answers the next Count calls of an endpoint with Status.
	Forced []ForcedResponse `json:"forced,omitempty"`

	// Token lifetimes and timing; zero takes the default.
	InstallationTokenTTL Duration `json:"installationTokenTTL,omitempty"` // 1 h
	RegistrationTokenTTL Duration `json:"registrationTokenTTL,omitempty"` // 1 h
	AdminTokenTTL        Duration `json:"adminTokenTTL,omitempty"`        // Actions Service default
	MQTokenTTL           Duration `json:"mqTokenTTL,omitempty"`           // Actions Service default
	LongPollTimeout      Duration `json:"longPollTimeout,omitempty"`      // Actions Service default
}

// ForcedResponse answers the next Count calls of Endpoint (a ServeMux pattern, or
// AllEndpoints) with Status, and a Retry-After header when RetryAfter is set. RateLimit
// shapes the answer as a rate-limit refusal of one endpoint: "primary" (X-RateLimit-
// Remaining 0) or "secondary" (GitHub's secondary-limit documentation_url).
type ForcedResponse struct {
	Endpoint   string   `json:"endpoint"`
	Status     int      `json:"status"`
	Count      int      `json:"count"`
	RetryAfter Duration `json:"retryAfter,omitempty"`
	Message    string   `json:"message,omitempty"`
	RateLimit  string   `json:"rateLimit,omitempty"`
}

// ForcedResponse.RateLimit values.
const (
	RateLimitPrimary   = "primary"
	RateLimitSecondary = "secondary"
)

// Token lifetime defaults of PROTOCOL.md §2.3 and §2.4.
const (
	defaultInstallationTokenTTL = time.Hour
	defaultRegistrationTokenTTL = time.Hour
	defaultSecondaryRetryAfter  = 60 * time.Second
)

const (
	errFaultRate   = "fault rates must lie between 0 and 1"
	errFaultStatus = "fault status must be an HTTP error status"
	errFaultCount  = "forced response count must be positive"
	errFaultLimit  = "rate limit per hour must not be negative"
	errFaultRLCode = "rate-limit status must be 403 or 429"
	errFaultRLKind = "forced rate limit must be primary or secondary"
)

// Validate rejects fault settings that cannot be applied.
func (f Faults) Validate() error {
	rates := []float64{f.ErrorRate, f.ResetRate}
	for _, r := range f.ErrorRates {
		rates = append(rates, r)
	}
	for _, r := range f.ResetRates {
		rates = append(rates, r)
	}
	for _, r := range rates {
		if r < 0 || r > 1 || r != r {
			return fmt.Errorf("%s: %v", errFaultRate, r)
		}
	}
	if f.ErrorStatus != 0 && (f.ErrorStatus < 500 || f.ErrorStatus > 599) {
		return fmt.Errorf("%s: %d", errFaultStatus, f.ErrorStatus)
	}
	if f.RateLimitPerHour < 0 {
		return fmt.Errorf("%s: %d", errFaultLimit, f.RateLimitPerHour)
	}
	if f.RateLimitStatus != 0 && f.RateLimitStatus != http.StatusForbidden && f.RateLimitStatus != http.StatusTooManyRequests {
		return fmt.Errorf("%s: %d", errFaultRLCode, f.RateLimitStatus)
	}
	for _, fr := range f.Forced {
		if fr.Status < 100 || fr.Status > 599 {
			return fmt.Errorf("%s: %d", errFaultStatus, fr.Status)
		}
		if fr.Count <= 0 {
			return fmt.Errorf("%s: %d", errFaultCount, fr.Count)
		}
		if fr.RateLimit != "" && fr.RateLimit != RateLimitPrimary && fr.RateLimit != RateLimitSecondary {
			return fmt.Errorf("%s: %q", errFaultRLKind, fr.RateLimit)
		}
	}
	return nil
}

func (f Faults) clone() Faults {
	c := f
	c.ErrorRates = cloneRates(f.ErrorRates)
	c.ResetRates = cloneRates(f.ResetRates)
	c.Forced = append([]ForcedResponse(nil), f.Forced...)
	return c
}

func cloneRates(m map[string]float64) map[string]float64 {
	if m == nil {
		return nil
	}
	c := make(map[string]float64, len(m))
	for k, v := range m {
		c[k] = v
	}
	return c
}

func rateFor(pattern string, all float64, per map[string]float64) float64 {
	if r, ok := per[pattern]; ok {
		return r
	}
	if r, ok := per[AllEndpoints]; ok {
		return r
	}
	return all
}

// faultPlan is what the injector decided for one call.
type faultPlan struct {
	latency time.Duration
	reset   bool
	forced  *ForcedResponse // also set for random 5xx
	random  bool            // forced comes from ErrorRate, not from Faults.Forced
	primary bool
	second  bool
	faults  Faults // the settings the decision was made under
}

// faultInjector decides, from a seeded RNG, which calls misbehave. Decisions draw from
// one RNG in call order, so a sequential test sees the same faults on every run.
type faultInjector struct {
	mu     sync.Mutex
	rng    *rand.Rand
	faults Faults
}

func newFaultInjector(seed uint64, f Faults) *faultInjector {
	return &faultInjector{rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), faults: f.clone()}
}

func (fi *faultInjector) get() Faults {
	fi.mu.Lock()
	defer fi.mu.Unlock()
	return fi.faults.clone()
}

func (fi *faultInjector) set(f Faults) {
	fi.mu.Lock()
	defer fi.mu.Unlock()
	fi.faults = f.clone()
}

// plan decides the faults of one call of pattern; rest tells REST calls (which rate
// limits apply to) from Actions Service calls.
func (fi *faultInjector) plan(pattern string, rest bool) faultPlan {
	fi.mu.Lock()
	defer fi.mu.Unlock()
	f := fi.faults
	p := faultPlan{latency: time.Duration(f.Latency), faults: f.clone()}
	if r := rateFor(pattern, f.ResetRate, f.ResetRates); r > 0 && fi.rng.Float64() < r {
		p.reset = true
		return p
	}
	for i := range f.Forced {
		fr := &fi.faults.Forced[i]
		if fr.Count > 0 && (fr.Endpoint == pattern || fr.Endpoint == AllEndpoints) {
			fr.Count--
			forced := *fr
			p.forced = &forced
			if fr.Count == 0 {
				fi.faults.Forced = append(fi.faults.Forced[:i], fi.faults.Forced[i+1:]...)
			}
			return p
		}
	}
	if r := rateFor(pattern, f.ErrorRate, f.ErrorRates); r > 0 && fi.rng.Float64() < r {
		status := f.ErrorStatus
		if status == 0 {
			status = http.StatusInternalServerError
		}
		p.forced = &ForcedResponse{Endpoint: pattern, Status: status, Count: 1}
		p.random = true
		return p
	}
	if rest {
		p.primary = f.PrimaryRateLimited
		p.second = f.SecondaryRateLimited
	}
	return p
}

func (f Faults) rateLimitStatus() int {
	if f.RateLimitStatus == 0 {
		return http.StatusForbidden
	}
	return f.RateLimitStatus
}

func (f Faults) rateLimitPerHour() int {
	if f.RateLimitPerHour == 0 {
		return defaultRateLimitPerHour
	}
	return f.RateLimitPerHour
}

func (f Faults) secondaryRetryAfter() time.Duration {
	if f.SecondaryRetryAfter <= 0 {
		return defaultSecondaryRetryAfter
	}
	return time.Duration(f.SecondaryRetryAfter)
}

func (f Faults) installationTokenTTL() time.Duration {
	if f.InstallationTokenTTL <= 0 {
		return defaultInstallationTokenTTL
	}
	return time.Duration(f.InstallationTokenTTL)
}

func (f Faults) registrationTokenTTL() time.Duration {
	if f.RegistrationTokenTTL <= 0 {
		return defaultRegistrationTokenTTL
	}
	return time.Duration(f.RegistrationTokenTTL)
}
