package simulator

import (
	"testing"
)

func TestFaultsValidate(t *testing.T) {
	cases := map[string]struct {
		reason string
		faults Faults
		valid  bool
	}{
		"Zero":           {reason: "No faults is valid.", valid: true},
		"Rates":          {reason: "Rates within 0..1.", faults: Faults{ErrorRate: 1, ResetRates: map[string]float64{"x": 0.5}}, valid: true},
		"RateAbove":      {reason: "Rates above 1.", faults: Faults{ErrorRate: 1.5}},
		"PerEndpointNeg": {reason: "Negative per-endpoint rates.", faults: Faults{ErrorRates: map[string]float64{"x": -0.1}}},
		"ErrorStatus":    {reason: "Injected errors are 5xx.", faults: Faults{ErrorStatus: 404}},
		"RLStatus":       {reason: "Rate limits are 403 or 429.", faults: Faults{RateLimitStatus: 500}},
		"NegativeLimit":  {reason: "Negative limits.", faults: Faults{RateLimitPerHour: -1}},
		"ForcedCount":    {reason: "Forced responses need a count.", faults: Faults{Forced: []ForcedResponse{{Endpoint: "x", Status: 500}}}},
		"ForcedStatus":   {reason: "Forced statuses are HTTP statuses.", faults: Faults{Forced: []ForcedResponse{{Endpoint: "x", Status: 42, Count: 1}}}},
		"ForcedKind":     {reason: "Forced rate limits are primary or secondary.", faults: Faults{Forced: []ForcedResponse{{Endpoint: "x", Status: 403, Count: 1, RateLimit: "tertiary"}}}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if err := tc.faults.Validate(); (err == nil) != tc.valid {
				t.Errorf("%s: Validate() = %v", tc.reason, err)
			}
		})
	}
}

// TestFaultPlan: decisions follow the settings, per-endpoint rates override the
// overall one, forced responses count down, and a seed replays the same decisions.
func TestFaultPlan(t *testing.T) {
	type outcome struct{ resets, errors, forced, primary int }
	run := func(f Faults, endpoint string, rest bool, calls int) outcome {
		fi := newFaultInjector(42, f)
		var o outcome
		for range calls {
			p := fi.plan(endpoint, rest)
			switch {
			case p.reset:
				o.resets++
			case p.random:
				o.errors++
			case p.forced != nil:
				o.forced++
			case p.primary:
				o.primary++
			}
		}
		return o
	}
	cases := map[string]struct {
		reason   string
		faults   Faults
		endpoint string
		rest     bool
		check    func(outcome) bool
	}{
		"NoFaults":     {reason: "Nothing happens by default.", endpoint: "e", rest: true, check: func(o outcome) bool { return o == outcome{} }},
		"AllErrors":    {reason: "Rate 1 fails every call.", faults: Faults{ErrorRate: 1}, endpoint: "e", check: func(o outcome) bool { return o.errors == 100 }},
		"Override":     {reason: "A per-endpoint 0 overrides the overall rate.", faults: Faults{ErrorRate: 1, ErrorRates: map[string]float64{"e": 0}}, endpoint: "e", check: func(o outcome) bool { return o == outcome{} }},
		"Wildcard":     {reason: "The * entry applies to every endpoint.", faults: Faults{ResetRates: map[string]float64{AllEndpoints: 1}}, endpoint: "e", check: func(o outcome) bool { return o.resets == 100 }},
		"TenPercent":   {reason: "Rate 0.1 fails about a tenth.", faults: Faults{ErrorRate: 0.1}, endpoint: "e", check: func(o outcome) bool { return o.errors > 2 && o.errors < 25 }},
		"ForcedCount":  {reason: "Forced responses hit exactly Count calls.", faults: Faults{Forced: []ForcedResponse{{Endpoint: "e", Status: 503, Count: 3}}}, endpoint: "e", check: func(o outcome) bool { return o.forced == 3 }},
		"ForcedOther":  {reason: "Forced responses of another endpoint do not apply.", faults: Faults{Forced: []ForcedResponse{{Endpoint: "x", Status: 503, Count: 3}}}, endpoint: "e", check: func(o outcome) bool { return o.forced == 0 }},
		"PrimaryREST":  {reason: "Rate limits apply to REST calls.", faults: Faults{PrimaryRateLimited: true}, endpoint: "e", rest: true, check: func(o outcome) bool { return o.primary == 100 }},
		"PrimaryOther": {reason: "Rate limits do not apply to Actions calls.", faults: Faults{PrimaryRateLimited: true}, endpoint: "e", check: func(o outcome) bool { return o.primary == 0 }},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			o := run(tc.faults, tc.endpoint, tc.rest, 100)
			if !tc.check(o) {
				t.Errorf("%s: outcome %+v", tc.reason, o)
			}
			if again := run(tc.faults, tc.endpoint, tc.rest, 100); again != o {
				t.Errorf("%s: same seed gave %+v, then %+v", tc.reason, o, again)
			}
		})
	}
}
