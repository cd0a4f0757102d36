package actions

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestAdminTokenVerification(t *testing.T) {
	cases := map[string]struct {
		reason string
		token  func(ts *testService) string
		tenant string
		want   error
	}{
		"Valid": {
			reason: "A fresh token for the tenant of the path is good.",
			token:  func(ts *testService) string { return ts.adminToken("t-octo") },
			tenant: "t-octo",
		},
		"OtherTenant": {
			reason: "The tid claim binds the token to one tenant.",
			token:  func(ts *testService) string { return ts.adminToken("t-other") },
			tenant: "t-octo",
			want:   errTokenTenant,
		},
		"Expired": {
			reason: "A token past exp is refused.",
			token: func(ts *testService) string {
				tok := ts.adminToken("t-octo")
				ts.clock.Advance(defaultAdminTokenTTL)
				return tok
			},
			tenant: "t-octo",
			want:   errTokenExpired,
		},
		"ExpireTokens": {
			reason: "ExpireTokens invalidates every token issued before it.",
			token: func(ts *testService) string {
				tok := ts.adminToken("t-octo")
				ts.ExpireTokens()
				return tok
			},
			tenant: "t-octo",
			want:   errTokenExpired,
		},
		"IssuedAfterExpireTokens": {
			reason: "Tokens issued after ExpireTokens work.",
			token: func(ts *testService) string {
				ts.ExpireTokens()
				return ts.adminToken("t-octo")
			},
			tenant: "t-octo",
		},
		"TamperedClaims": {
			reason: "Changing the claims breaks the signature.",
			token: func(ts *testService) string {
				parts := strings.Split(ts.adminToken("t-other"), ".")
				parts[1] = base64.RawURLEncoding.EncodeToString([]byte(`{"tid":"t-octo","exp":9999999999}`))
				return strings.Join(parts, ".")
			},
			tenant: "t-octo",
			want:   errTokenSignature,
		},
		"OtherService": {
			reason: "Another service's key does not verify here.",
			token:  func(*testService) string { return newTestService(t).adminToken("t-octo") },
			tenant: "t-octo",
			want:   errTokenSignature,
		},
		"NotAJWT": {
			reason: "Garbage is malformed.",
			token:  func(*testService) string { return "ghp_notajwt" },
			tenant: "t-octo",
			want:   errTokenMalformed,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			ts := newTestService(t)
			tok := tc.token(ts)
			if err := ts.verifyAdminToken(tok, tc.tenant); !errors.Is(err, tc.want) {
				t.Errorf("%s\nverifyAdminToken: got %v, want %v", tc.reason, err, tc.want)
			}
		})
	}
}

// TestAdminTokenShape checks what the client needs: a three-part JWT whose exp is
// numeric and matches what IssueAdminToken reports.
func TestAdminTokenShape(t *testing.T) {
	ts := newTestService(t, func(c *Config) { c.AdminTokenTTL = 45 * time.Second })
	tok, expiresAt := ts.IssueAdminToken("t-octo")
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		t.Fatalf("token has %d parts, want 3", len(parts))
	}
	var header map[string]string
	raw, _ := base64.RawURLEncoding.DecodeString(parts[0])
	if err := json.Unmarshal(raw, &header); err != nil || header["alg"] != "HS256" {
		t.Errorf("header: got %s (%v)", raw, err)
	}
	var claims map[string]any
	raw, _ = base64.RawURLEncoding.DecodeString(parts[1])
	if err := json.Unmarshal(raw, &claims); err != nil {
		t.Fatalf("claims: %v", err)
	}
	exp, ok := claims["exp"].(float64)
	if !ok || int64(exp) != expiresAt.Unix() {
		t.Errorf("exp claim: got %v, want %d", claims["exp"], expiresAt.Unix())
	}
	if want := ts.clock.Now().Add(45 * time.Second).Truncate(time.Second); !expiresAt.Equal(want) {
		t.Errorf("expiresAt: got %v, want %v", expiresAt, want)
	}
	if claims["tid"] != "t-octo" {
		t.Errorf("tid claim: got %v", claims["tid"])
	}
}

func TestActionsCallsNeedAdminToken(t *testing.T) {
	ts := newTestService(t)
	cases := map[string]struct {
		token string
		want  int
	}{
		"None":        {token: "", want: 401},
		"Garbage":     {token: "x.y.z", want: 401},
		"OtherTenant": {token: ts.adminToken("t-other"), want: 401},
		"Good":        {token: ts.adminToken("t-octo"), want: 200},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			rec := ts.call("GET", "/_actions/t-octo/_apis/runtime/runnergroups/?groupName=Default", tc.token, nil)
			if rec.Code != tc.want {
				t.Errorf("got %d %s, want %d", rec.Code, rec.Body, tc.want)
			}
			if tc.want == 401 && !strings.Contains(rec.Body.String(), `"typeName"`) {
				t.Errorf("401 body has no typeName: %s", rec.Body)
			}
		})
	}
}
