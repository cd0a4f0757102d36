package simulator

import (
	"bufio"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
)

const headerRequestID = "X-GitHub-Request-Id"

// ServeHTTP serves the simulator's routes. GitHub's routes (REST and the Actions
// Service) are counted per registered pattern and subject to faults; the /_sim/ admin
// routes are neither, so that tests observe exactly what the clients under test did.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, adminPrefix) {
		s.serveRecovered(w, r, "")
		return
	}
	_, pattern := s.mux.Handler(r)
	endpoint := pattern
	if endpoint == "" {
		endpoint = UnmatchedEndpoint
	}
	w.Header().Set(headerRequestID, s.nextRequestID())

	rest := isREST(r)
	plan := s.faults.plan(endpoint, rest)
	if plan.latency > 0 {
		t := time.NewTimer(plan.latency)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
		}
	}
	if plan.reset {
		s.counters.recordReset(endpoint)
		s.log.V(1).Info("reset connection", "method", r.Method, "endpoint", endpoint)
		resetConnection(w)
		return
	}

	// A call is counted when its status is set, before any of the answer
	// reaches the client: counted after the handler, a client that read a
	// whole answer could look at the counters before its call was in them.
	rec := &statusRecorder{ResponseWriter: w, onStatus: func(status int) { s.counters.recordStatus(endpoint, status) }}
	start := time.Now()
	defer func() {
		// A handler that wrote nothing answers an empty 200, counted now,
		// before net/http sends it.
		rec.setStatus(http.StatusOK)
		s.log.V(1).Info("served", "method", r.Method, "endpoint", endpoint, "status", rec.status, "duration", time.Since(start))
	}()

	if rest {
		key, authenticated := rateLimitKey(r)
		limit := unauthenticatedLimit
		if authenticated {
			limit = plan.faults.rateLimitPerHour()
		}
		st := s.limiter.take(key, limit, s.clock.Now())
		if plan.primary {
			st = st.exhausted()
		}
		st.setHeaders(rec.Header())
		if st.exceeded {
			writeError(rec, plan.faults.rateLimitStatus(), primaryRateLimitMessage(r), docPrimaryRateLimit)
			return
		}
	}
	if plan.forced != nil {
		writeForced(rec, r, *plan.forced)
		return
	}
	if plan.second {
		rec.Header().Set(headerRetryAfter, retryAfterSeconds(plan.faults.secondaryRetryAfter()))
		writeError(rec, plan.faults.rateLimitStatus(), msgSecondaryRateLimit, docSecondaryRateLimit)
		return
	}
	s.serveRecovered(rec, r, endpoint)
}

// writeForced answers a forced response.
func writeForced(w http.ResponseWriter, r *http.Request, fr ForcedResponse) {
	if fr.RetryAfter > 0 {
		w.Header().Set(headerRetryAfter, retryAfterSeconds(time.Duration(fr.RetryAfter)))
	}
	msg, doc := fr.Message, docREST
	switch {
	case fr.RateLimit == RateLimitPrimary:
		w.Header().Set(headerRateRemaining, "0")
		if w.Header().Get(headerRateLimit) != "" {
			w.Header().Set(headerRateUsed, w.Header().Get(headerRateLimit))
		}
		msg, doc = primaryRateLimitMessage(r), docPrimaryRateLimit
	case fr.RateLimit == RateLimitSecondary:
		msg, doc = msgSecondaryRateLimit, docSecondaryRateLimit
	case msg == "" && fr.Status >= 500:
		msg = msgServerError
	case msg == "":
		msg = http.StatusText(fr.Status)
	}
	if fr.Message != "" {
		msg = fr.Message
	}
	writeError(w, fr.Status, msg, doc)
}

// serveRecovered serves r through the mux; a handler panic is a simulator bug, which
// is logged, counted and answered 500 rather than taking the connection down.
func (s *Server) serveRecovered(w http.ResponseWriter, r *http.Request, endpoint string) {
	defer func() {
		v := recover()
		if v == nil {
			return
		}
		if err, ok := v.(error); ok && errors.Is(err, http.ErrAbortHandler) {
			panic(v)
		}
		s.counters.recordPanic(endpoint)
		s.log.Error(fmt.Errorf("%v", v), "handler panicked", "method", r.Method, "path", r.URL.Path)
		if rec, ok := w.(*statusRecorder); ok && rec.status != 0 {
			return
		}
		writeError(w, http.StatusInternalServerError, msgServerError, docREST)
	}()
	s.mux.ServeHTTP(w, r)
}

func (s *Server) nextRequestID() string {
	n := s.requestNo.Add(1)
	return fmt.Sprintf("5150:%04X:%06X:%06X:%08X", n%0xFFFF, n, n*7%0xFFFFFF, uint32(s.clock.Now().Unix()))
}

func primaryRateLimitMessage(r *http.Request) string {
	if _, authenticated := rateLimitKey(r); !authenticated {
		return "API rate limit exceeded for " + clientIP(r) + "."
	}
	return "API rate limit exceeded for this credential."
}

func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

func retryAfterSeconds(d time.Duration) string {
	secs := int64((d + time.Second - 1) / time.Second)
	if secs < 1 {
		secs = 1
	}
	return strconv.FormatInt(secs, 10)
}

// resetConnection drops the connection without an answer: a hijacked TCP close on
// HTTP/1.1, an aborted stream where hijacking is impossible.
func resetConnection(w http.ResponseWriter) {
	if hj, ok := w.(http.Hijacker); ok {
		if conn, _, err := hj.Hijack(); err == nil {
			raw := conn
			if tc, ok := conn.(*tls.Conn); ok {
				raw = tc.NetConn()
			}
			// Linger 0 makes the close an RST, not an orderly shutdown.
			if tcp, ok := raw.(*net.TCPConn); ok {
				_ = tcp.SetLinger(0)
			}
			_ = raw.Close()
			return
		}
	}
	panic(http.ErrAbortHandler)
}

// statusRecorder remembers the status a handler answered with.
type statusRecorder struct {
	http.ResponseWriter
	status int
	// onStatus is told the status once, when it is set.
	onStatus func(status int)
}

func (r *statusRecorder) WriteHeader(status int) {
	r.setStatus(status)
	r.ResponseWriter.WriteHeader(status)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	r.setStatus(http.StatusOK)
	return r.ResponseWriter.Write(b)
}

func (r *statusRecorder) setStatus(status int) {
	if r.status != 0 {
		return
	}
	r.status = status
	if r.onStatus != nil {
		r.onStatus(status)
	}
}

// Flush lets long polls push their answer as soon as it is written.
func (r *statusRecorder) Flush() {
	if f, ok := r.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Hijack passes connection takeover through.
func (r *statusRecorder) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	if hj, ok := r.ResponseWriter.(http.Hijacker); ok {
		return hj.Hijack()
	}
	return nil, nil, http.ErrNotSupported
}

// Unwrap lets http.ResponseController reach the connection.
func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }
