package simulator_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/arc-crossplane/provider-github-arc/internal/simulator"
)

// fuzzTarget is a REST endpoint whose request body the fuzzer controls.
type fuzzTarget struct {
	method, path, auth string
}

// FuzzRESTRequestDecoding sends arbitrary bodies to every REST endpoint that decodes
// one (and to the admin routes that do) and checks that the answer is success or a
// GitHub-shaped 4xx, never a 5xx or a panic.
//
// Run it with: go test ./internal/simulator/ -run '^$' -fuzz FuzzRESTRequestDecoding -fuzztime 10s -fuzzminimizetime 5s
// (minimizing a long input tries a number of shorter ones that grows with the square
// of its length; with the default of 60 s every worker can spend most of a short
// run minimizing instead of fuzzing).
func FuzzRESTRequestDecoding(f *testing.F) {
	seeds := []string{
		``, `null`, `{}`, `[]`, `"x"`, `1`, `{"name":"g"}`, `{"name":5}`, `{"name":"g","visibility":"selected","selected_repository_ids":[100000,100001]}`,
		`{"visibility":"nope"}`, `{"selected_repository_ids":null}`, `{"selected_repository_ids":["a"]}`, `{"selected_repository_ids":[1e99]}`,
		`{"name":"` + strings.Repeat("n", 300) + `"}`, `{"selected_workflows":["", "a"]}`, `{"url":"https://127.0.0.1/octo-org","runner_event":"register"}`,
		`{"url":"::::"}`, `{"repository_ids":[1],"permissions":{"a":1}}`, `{"errorRate":2}`, `{"advance":"-1h"}`, `{"orgs":[{"login":"-"}]}`,
		"{\"name\":\"\xff\xfe\"}", `{"name":"a"}{"name":"b"}`,
	}
	for i, s := range seeds {
		f.Add(uint8(i), []byte(s))
	}

	key, _ := appKeys(f)
	setup := standardSetup(f)
	setup.Apps[0].PublicKeyPEM = publicKeyPEM(f, key)
	pat := "Bearer " + adminPAT
	targets := []fuzzTarget{
		{"POST", "/api/v3/orgs/octo-org/actions/runner-groups", pat},
		{"PATCH", "/api/v3/orgs/octo-org/actions/runner-groups/1", pat},
		{"PUT", "/api/v3/orgs/octo-org/actions/runner-groups/1/repositories", pat},
		{"POST", "/api/v3/enterprises/octo-ent/actions/runner-groups", "Bearer " + enterprisePAT},
		{"PATCH", "/api/v3/enterprises/octo-ent/actions/runner-groups/1", "Bearer " + enterprisePAT},
		{"POST", "/api/v3/actions/runner-registration", ""}, // RemoteAuth with a fresh registration token
		{"POST", "/api/v3/orgs/octo-org/actions/runners/registration-token", pat},
		{"POST", "/_sim/faults", ""},
		{"POST", "/_sim/clock", ""},
		{"POST", "/_sim/tenants", ""},
	}

	// A frozen clock: timestamps and request ids in answers are then the same on
	// every run of an input, and so is the coverage the fuzzer measures.
	frozen := time.Date(2026, 11, 29, 8, 0, 0, 0, time.UTC)
	clock := simulator.NewClockAt(func() time.Time { return frozen })
	faults := simulator.Faults{RateLimitPerHour: 1 << 30}
	srv, err := simulator.Start(context.Background(), simulator.Options{Setup: setup, Faults: faults, Clock: clock})
	if err != nil {
		f.Fatalf("start simulator: %v", err)
	}
	f.Cleanup(func() { _ = srv.Close() })

	f.Fuzz(func(t *testing.T, which uint8, body []byte) {
		// Every input starts from the same state. Groups created, tenants added,
		// faults set or the clock moved by one input would otherwise change what
		// the next does; the fuzzer then cannot reproduce an input's coverage when
		// it minimizes it, and spends its whole minimization time on it.
		if err := srv.ResetState(setup, faults); err != nil {
			t.Fatalf("reset simulator: %v", err)
		}

		target := targets[int(which)%len(targets)]
		auth := target.auth
		if target.path == "/api/v3/actions/runner-registration" {
			auth = "RemoteAuth " + registrationToken(t, srv)
		}
		r := httptest.NewRequest(target.method, srv.URL+target.path, bytes.NewReader(body))
		if auth != "" {
			r.Header.Set("Authorization", auth)
		}
		r.Header.Set("Content-Type", "application/json")
		w := httptest.NewRecorder()
		srv.ServeHTTP(w, r)
		if w.Code >= 500 {
			t.Fatalf("%s %s with %q: status %d: %s", target.method, target.path, body, w.Code, w.Body.String())
		}
		if w.Code >= 400 {
			var e struct {
				Message          *string `json:"message"`
				DocumentationURL *string `json:"documentation_url"`
			}
			if err := json.Unmarshal(w.Body.Bytes(), &e); err != nil || e.Message == nil || e.DocumentationURL == nil {
				t.Fatalf("%s %s with %q: status %d with a body that is not GitHub-shaped: %s", target.method, target.path, body, w.Code, w.Body.String())
			}
			if ct := w.Header().Get("Content-Type"); ct != "application/json; charset=utf-8" {
				t.Fatalf("error Content-Type %q", ct)
			}
		}
		if n := srv.Counters().TotalPanics(); n != 0 {
			t.Fatalf("%d handler panics", n)
		}
	})
}

// registrationToken mints an org registration token through the REST API.
func registrationToken(tb testing.TB, srv *simulator.Server) string {
	tb.Helper()
	r := httptest.NewRequest("POST", srv.URL+"/api/v3/orgs/octo-org/actions/runners/registration-token", nil)
	r.Header.Set("Authorization", "Bearer "+adminPAT)
	w := httptest.NewRecorder()
	srv.ServeHTTP(w, r)
	var out struct {
		Token string `json:"token"`
	}
	if w.Code != http.StatusCreated || json.Unmarshal(w.Body.Bytes(), &out) != nil || out.Token == "" {
		tb.Fatalf("registration token: %d %s", w.Code, w.Body.String())
	}
	return out.Token
}
