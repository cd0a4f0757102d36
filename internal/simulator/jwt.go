package simulator

import (
	"bytes"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"strconv"
	"strings"
	"time"
)

// jwtSkew absorbs clock drift between the App and GitHub (PROTOCOL.md §2.2 [SIM]).
const jwtSkew = 60 * time.Second

// jwtMaxLifetime is GitHub's limit on how far in the future exp may lie.
const jwtMaxLifetime = 10 * time.Minute

// Messages of JWT rejections, all answered 401. GitHub's exact wording is not known
// for every case (PROTOCOL.md §2.2 [U]); these name the rule that failed.
const (
	msgJWTUndecodable   = "A JSON web token could not be decoded"
	msgJWTAlgorithm     = "'alg' must be RS256"
	msgJWTUnknownIssuer = "Integration not found"
	msgJWTSignature     = "A JSON web token could not be verified: signature is invalid"
	msgJWTExpired       = "'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion expires."
	msgJWTTooFar        = "'Expiration time' claim ('exp') is too far in the future"
	msgJWTIssuedLater   = "'Issued at' claim ('iat') must be an Integer representing the time that the assertion was issued."
	msgJWTClaimType     = "'Issued at' and 'Expiration time' claims must be integers"
)

// jwtError is why an App JWT was refused.
type jwtError struct{ message string }

func (e *jwtError) Error() string { return e.message }

// looksLikeJWT tells a JWT from an opaque token: three base64url segments.
func looksLikeJWT(token string) bool {
	return strings.Count(token, ".") == 2
}

// verifyAppJWT checks an App JWT as GitHub does (PROTOCOL.md §2.2): RS256 signed by
// the key of the app that iss names (App ID or client ID), exp in the future but at
// most 10 min ahead, iat not in the future, each with jwtSkew of slack.
//
// now is the wall clock, not the simulator's settable clock: clients sign their JWTs
// with their own wall clock, so advancing simulated time (to expire tokens or age
// queued jobs) must not make every App credential unusable.
func verifyAppJWT(token string, now time.Time, appByIssuer func(iss string) (*app, bool)) (*app, error) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return nil, &jwtError{msgJWTUndecodable}
	}
	headerJSON, err1 := decodeSegment(parts[0])
	claimsJSON, err2 := decodeSegment(parts[1])
	signature, err3 := decodeSegment(parts[2])
	if err1 != nil || err2 != nil || err3 != nil {
		return nil, &jwtError{msgJWTUndecodable}
	}
	var header struct {
		Alg string `json:"alg"`
	}
	if err := json.Unmarshal(headerJSON, &header); err != nil {
		return nil, &jwtError{msgJWTUndecodable}
	}
	if header.Alg != "RS256" {
		return nil, &jwtError{msgJWTAlgorithm}
	}
	var claims struct {
		Iss any         `json:"iss"`
		Iat json.Number `json:"iat"`
		Exp json.Number `json:"exp"`
	}
	dec := json.NewDecoder(bytes.NewReader(claimsJSON))
	dec.UseNumber()
	if err := dec.Decode(&claims); err != nil {
		return nil, &jwtError{msgJWTUndecodable}
	}
	iss := issuerString(claims.Iss)
	if iss == "" {
		return nil, &jwtError{msgJWTUndecodable}
	}
	a, ok := appByIssuer(iss)
	if !ok {
		return nil, &jwtError{msgJWTUnknownIssuer}
	}
	digest := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if err := rsa.VerifyPKCS1v15(a.publicKey, crypto.SHA256, digest[:], signature); err != nil {
		return nil, &jwtError{msgJWTSignature}
	}
	iat, errIat := claims.Iat.Int64()
	exp, errExp := claims.Exp.Int64()
	if errIat != nil || errExp != nil {
		return nil, &jwtError{msgJWTClaimType}
	}
	switch {
	case !time.Unix(exp, 0).After(now.Add(-jwtSkew)):
		return nil, &jwtError{msgJWTExpired}
	case time.Unix(exp, 0).After(now.Add(jwtMaxLifetime + jwtSkew)):
		return nil, &jwtError{msgJWTTooFar}
	case time.Unix(iat, 0).After(now.Add(jwtSkew)):
		return nil, &jwtError{msgJWTIssuedLater}
	}
	return a, nil
}

// issuerString accepts iss as a string (App ID or client ID) or as a JSON number.
func issuerString(v any) string {
	switch iss := v.(type) {
	case string:
		return iss
	case json.Number:
		if n, err := iss.Int64(); err == nil {
			return strconv.FormatInt(n, 10)
		}
	}
	return ""
}

func decodeSegment(seg string) ([]byte, error) {
	return base64.RawURLEncoding.DecodeString(strings.TrimRight(seg, "="))
}
