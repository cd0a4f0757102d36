package simulator

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

var (
	jwtKeysOnce sync.Once
	jwtKey      *rsa.PrivateKey
	jwtOther    *rsa.PrivateKey
)

func testJWTKeys(t *testing.T) (*rsa.PrivateKey, *rsa.PrivateKey) {
	t.Helper()
	jwtKeysOnce.Do(func() {
		jwtKey, _ = rsa.GenerateKey(rand.Reader, 2048)
		jwtOther, _ = rsa.GenerateKey(rand.Reader, 2048)
	})
	if jwtKey == nil || jwtOther == nil {
		t.Fatal("cannot generate RSA keys")
	}
	return jwtKey, jwtOther
}

// signJWT builds a JWT from raw header and claims JSON, signed RS256 with key.
func signJWT(t *testing.T, key *rsa.PrivateKey, header, claims string) string {
	t.Helper()
	enc := base64.RawURLEncoding
	signing := enc.EncodeToString([]byte(header)) + "." + enc.EncodeToString([]byte(claims))
	digest := sha256.Sum256([]byte(signing))
	sig, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, digest[:])
	if err != nil {
		t.Fatalf("sign: %v", err)
	}
	return signing + "." + enc.EncodeToString(sig)
}

func claimsJSON(iss any, iat, exp any) string {
	b, _ := json.Marshal(map[string]any{"iss": iss, "iat": iat, "exp": exp})
	return string(b)
}

func TestVerifyAppJWT(t *testing.T) {
	key, other := testJWTKeys(t)
	now := time.Unix(1_800_000_000, 0)
	a := &app{id: 42, clientID: "Iv1.abc", publicKey: &key.PublicKey}
	lookup := func(iss string) (*app, bool) {
		if iss == "42" || iss == "Iv1.abc" {
			return a, true
		}
		return nil, false
	}
	const rs256 = `{"alg":"RS256","typ":"JWT"}`
	sec := func(d time.Duration) int64 { return now.Add(d).Unix() }

	type want struct {
		ok      bool
		message string
	}
	cases := map[string]struct {
		reason string
		token  func() string
		want   want
	}{
		"Ghinstallation": {
			reason: "ghinstallation: iss = App ID string, iat now-30s, exp iat+2m.",
			token: func() string {
				return signJWT(t, key, rs256, claimsJSON("42", sec(-30*time.Second), sec(90*time.Second)))
			},
			want: want{ok: true},
		},
		"ScalesetClientID": {
			reason: "scaleset: iss = client ID, iat now-60s, exp now+8m.",
			token: func() string {
				return signJWT(t, key, rs256, claimsJSON("Iv1.abc", sec(-time.Minute), sec(8*time.Minute)))
			},
			want: want{ok: true},
		},
		"NumericIssuer": {
			reason: "iss as a JSON number names the App ID too.",
			token:  func() string { return signJWT(t, key, rs256, claimsJSON(42, sec(0), sec(time.Minute))) },
			want:   want{ok: true},
		},
		"ExpiredWithinSkew": {
			reason: "exp up to 60 s in the past is tolerated.",
			token: func() string {
				return signJWT(t, key, rs256, claimsJSON("42", sec(-5*time.Minute), sec(-59*time.Second)))
			},
			want: want{ok: true},
		},
		"Expired": {
			reason: "exp more than the skew in the past is refused.",
			token: func() string {
				return signJWT(t, key, rs256, claimsJSON("42", sec(-5*time.Minute), sec(-61*time.Second)))
			},
			want: want{message: msgJWTExpired},
		},
		"TooFarAhead": {
			reason: "exp more than 10 min (+ skew) ahead is refused.",
			token: func() string {
				return signJWT(t, key, rs256, claimsJSON("42", sec(0), sec(11*time.Minute+time.Second)))
			},
			want: want{message: msgJWTTooFar},
		},
		"MaxLifetime": {
			reason: "exp exactly 10 min + skew ahead is accepted.",
			token:  func() string { return signJWT(t, key, rs256, claimsJSON("42", sec(0), sec(11*time.Minute))) },
			want:   want{ok: true},
		},
		"IssuedInFuture": {
			reason: "iat beyond the skew in the future is refused.",
			token:  func() string { return signJWT(t, key, rs256, claimsJSON("42", sec(2*time.Minute), sec(5*time.Minute))) },
			want:   want{message: msgJWTIssuedLater},
		},
		"FractionalTimes": {
			reason: "Timestamps must be integers.",
			token:  func() string { return signJWT(t, key, rs256, claimsJSON("42", 1_800_000_000.5, sec(time.Minute))) },
			want:   want{message: msgJWTClaimType},
		},
		"MissingExp": {
			reason: "A missing exp is not an integer.",
			token:  func() string { return signJWT(t, key, rs256, `{"iss":"42","iat":1800000000}`) },
			want:   want{message: msgJWTClaimType},
		},
		"WrongKey": {
			reason: "A signature by another key is refused.",
			token:  func() string { return signJWT(t, other, rs256, claimsJSON("42", sec(0), sec(time.Minute))) },
			want:   want{message: msgJWTSignature},
		},
		"UnknownIssuer": {
			reason: "An unknown App is refused.",
			token:  func() string { return signJWT(t, key, rs256, claimsJSON("43", sec(0), sec(time.Minute))) },
			want:   want{message: msgJWTUnknownIssuer},
		},
		"AlgNone": {
			reason: "Only RS256 is accepted.",
			token: func() string {
				enc := base64.RawURLEncoding
				return enc.EncodeToString([]byte(`{"alg":"none"}`)) + "." + enc.EncodeToString([]byte(claimsJSON("42", sec(0), sec(time.Minute)))) + "."
			},
			want: want{message: msgJWTAlgorithm},
		},
		"HS256": {
			reason: "A symmetric algorithm is refused before any key is used.",
			token:  func() string { return signJWT(t, key, `{"alg":"HS256"}`, claimsJSON("42", sec(0), sec(time.Minute))) },
			want:   want{message: msgJWTAlgorithm},
		},
		"Garbage": {
			reason: "Undecodable segments are refused.",
			token:  func() string { return "a.b.c" },
			want:   want{message: msgJWTUndecodable},
		},
		"TamperedClaims": {
			reason: "Changing the claims breaks the signature.",
			token: func() string {
				parts := strings.Split(signJWT(t, key, rs256, claimsJSON("42", sec(0), sec(time.Minute))), ".")
				parts[1] = base64.RawURLEncoding.EncodeToString([]byte(claimsJSON("42", sec(0), sec(9*time.Minute))))
				return strings.Join(parts, ".")
			},
			want: want{message: msgJWTSignature},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got, err := verifyAppJWT(tc.token(), now, lookup)
			var result want
			var je *jwtError
			switch {
			case err == nil:
				result.ok = got == a
			case errors.As(err, &je):
				result.message = je.message
			default:
				t.Fatalf("error %v is not a *jwtError", err)
			}
			if diff := cmp.Diff(tc.want, result, cmp.AllowUnexported(want{})); diff != "" {
				t.Errorf("%s\nverifyAppJWT (-want +got):\n%s", tc.reason, diff)
			}
		})
	}
}

func pemPublic(t *testing.T, pub *rsa.PublicKey) []byte {
	t.Helper()
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
}
