package actions

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"time"
)

// Admin tokens are JWTs signed with HS256 under a key only this process knows
// (PROTOCOL.md §2.6). The client reads exp without verifying; the service verifies
// signature, exp, the generation (ExpireTokens) and the tenant claim.

var jwtHeader = base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"HS256","typ":"JWT"}`))

type adminClaims struct {
	Tenant     string `json:"tid"`
	IssuedAt   int64  `json:"iat"`
	NotBefore  int64  `json:"nbf"`
	Expiry     int64  `json:"exp"`
	Generation int64  `json:"gen"`
	ID         string `json:"jti"`
}

func (s *Service) issueAdminToken(tenant string) (string, time.Time) {
	now := s.tokenClock.Now()
	exp := now.Add(time.Duration(s.adminTTL.Load())).Truncate(time.Second)
	claims := adminClaims{
		Tenant:     tenant,
		IssuedAt:   now.Unix(),
		NotBefore:  now.Unix(),
		Expiry:     exp.Unix(),
		Generation: s.tokenGeneration.Load(),
		ID:         randomHex(8),
	}
	// Marshalling a struct of strings and integers cannot fail.
	payload, _ := json.Marshal(claims)
	signingInput := jwtHeader + "." + base64.RawURLEncoding.EncodeToString(payload)
	return signingInput + "." + s.sign(signingInput), exp
}

func (s *Service) sign(signingInput string) string {
	mac := hmac.New(sha256.New, s.signingKey)
	mac.Write([]byte(signingInput))
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

var (
	errTokenMalformed = errors.New("the admin token is not a JWT issued by this service")
	errTokenSignature = errors.New("the admin token signature is invalid")
	errTokenExpired   = errors.New("the admin token has expired")
	errTokenTenant    = errors.New("the admin token was issued for another tenant")
)

// verifyAdminToken checks a token against the tenant of the request path.
func (s *Service) verifyAdminToken(token, tenant string) error {
	parts := strings.Split(token, ".")
	if len(parts) != 3 || parts[0] != jwtHeader {
		return errTokenMalformed
	}
	want := s.sign(parts[0] + "." + parts[1])
	if subtle.ConstantTimeCompare([]byte(want), []byte(parts[2])) != 1 {
		return errTokenSignature
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return errTokenMalformed
	}
	var claims adminClaims
	if err := json.Unmarshal(payload, &claims); err != nil {
		return errTokenMalformed
	}
	if claims.Generation != s.tokenGeneration.Load() || !s.tokenClock.Now().Before(time.Unix(claims.Expiry, 0)) {
		return errTokenExpired
	}
	if claims.Tenant != tenant {
		return errTokenTenant
	}
	return nil
}

// adminAuth wraps an Actions handler that needs a valid admin token for the
// {tenant} of its path.
func (s *Service) adminAuth(h func(w http.ResponseWriter, r *http.Request, tenant string)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		tenant := r.PathValue("tenant")
		if err := s.verifyAdminToken(bearerToken(r), tenant); err != nil {
			writeException(w, http.StatusUnauthorized, exUnauthorized, "%s", err)
			return
		}
		h(w, r, tenant)
	}
}

// newMQTokenLocked gives the session a new message-queue token; the previous one
// stops working at once (PROTOCOL.md §4.5).
func (s *Service) newMQTokenLocked(sess *session) {
	sess.token = randomHex(32)
	sess.tokenGeneration = s.tokenGeneration.Load()
	sess.tokenExpiresAt = s.tokenClock.Now().Add(time.Duration(s.mqTTL.Load()))
}

// mqTokenValidLocked tells whether token is the session's current, unexpired
// message-queue token.
func (s *Service) mqTokenValidLocked(sess *session, token string) bool {
	if sess == nil || sess.ended || token == "" {
		return false
	}
	if subtle.ConstantTimeCompare([]byte(sess.token), []byte(token)) != 1 {
		return false
	}
	return sess.tokenGeneration == s.tokenGeneration.Load() && s.tokenClock.Now().Before(sess.tokenExpiresAt)
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
