package simulator

import (
	"crypto/sha256"
	"encoding/hex"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// Rate-limit defaults of PROTOCOL.md §5.10.
const (
	defaultRateLimitPerHour = 5000
	unauthenticatedLimit    = 60
	rateLimitWindow         = time.Hour
	rateLimitResourceCore   = "core"
)

// GitHub's rate-limit headers.
const (
	headerRateLimit     = "X-RateLimit-Limit"
	headerRateRemaining = "X-RateLimit-Remaining"
	headerRateUsed      = "X-RateLimit-Used"
	headerRateReset     = "X-RateLimit-Reset"
	headerRateResource  = "X-RateLimit-Resource"
	headerRetryAfter    = "Retry-After"
)

// rateState is a bucket after a request was charged to it.
type rateState struct {
	limit     int
	remaining int
	used      int
	reset     time.Time
	// exceeded: the bucket was empty before this request, which must be refused.
	exceeded bool
}

// setHeaders writes the X-RateLimit-* headers.
func (st rateState) setHeaders(h http.Header) {
	h.Set(headerRateLimit, strconv.Itoa(st.limit))
	h.Set(headerRateRemaining, strconv.Itoa(st.remaining))
	h.Set(headerRateUsed, strconv.Itoa(st.used))
	h.Set(headerRateReset, strconv.FormatInt(st.reset.Unix(), 10))
	h.Set(headerRateResource, rateLimitResourceCore)
}

type bucket struct {
	used  int
	reset time.Time
}

// rateLimiter keeps one fixed-window bucket per credential (or per client IP when
// there is none), as GitHub's primary limit does per hour.
type rateLimiter struct {
	mu      sync.Mutex
	buckets map[string]*bucket
}

func newRateLimiter() *rateLimiter {
	return &rateLimiter{buckets: map[string]*bucket{}}
}

// take charges one request to key's bucket. A request that finds the bucket empty is
// not charged: GitHub reports Used equal to Limit while it refuses.
func (l *rateLimiter) take(key string, limit int, now time.Time) rateState {
	l.mu.Lock()
	defer l.mu.Unlock()
	b, ok := l.buckets[key]
	if !ok || !now.Before(b.reset) {
		b = &bucket{reset: now.Add(rateLimitWindow).Truncate(time.Second)}
		l.buckets[key] = b
	}
	st := rateState{limit: limit, reset: b.reset}
	if b.used >= limit {
		st.used, st.remaining, st.exceeded = b.used, 0, true
		return st
	}
	b.used++
	st.used, st.remaining = b.used, limit-b.used
	return st
}

// exhaust empties every bucket's remainder for the rest of its window, as if the
// credential had spent its hour (the primary rate-limit fault).
func (st rateState) exhausted() rateState {
	st.remaining, st.used, st.exceeded = 0, st.limit, true
	return st
}

// reset forgets every bucket.
func (l *rateLimiter) resetAll() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buckets = map[string]*bucket{}
}

// rateLimitKey names the bucket of a request: a hash of its credential (never the
// credential itself, so dumps cannot leak it), or its client IP.
func rateLimitKey(r *http.Request) (key string, authenticated bool) {
	if h := r.Header.Get("Authorization"); h != "" {
		sum := sha256.Sum256([]byte(h))
		return "cred:" + hex.EncodeToString(sum[:16]), true
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	return "ip:" + host, false
}
