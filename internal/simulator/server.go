package simulator

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-logr/logr"

	"github.com/arc-crossplane/provider-github-arc/internal/simulator/actions"
)

const (
	defaultAddr = "127.0.0.1:0"
	// apiPrefix is the GHES REST layout; hostedAPIHost serves the GitHub.com layout.
	apiPrefix     = "/api/v3"
	hostedAPIHost = "api.github.localhost"
	actionsPrefix = "/_actions/"
	adminPrefix   = "/_sim/"

	errListen       = "cannot listen"
	errCertificates = "cannot generate the simulator's certificates"
	errWriteCA      = "cannot write the CA certificate"
	errFaults       = "invalid faults"
	errSetup        = "invalid setup"
	errRegister     = "cannot register the Actions Service routes"
)

// Options configure a simulator.
type Options struct {
	// Addr is the listen address; 127.0.0.1:0 (a free port) by default.
	Addr string
	// CAFile, when set, receives the CA certificate (PEM) clients must trust.
	CAFile string
	// Clock is the simulated clock; a new one following the wall clock by default.
	Clock *Clock
	// Seed seeds the RNG that decides fault injection.
	Seed uint64
	// Faults are in force from the start.
	Faults Faults
	// Setup is applied at start.
	Setup Setup
	// Log receives structured logs; discarded by default.
	Log logr.Logger
}

// Server is a running simulator.
type Server struct {
	// URL is the base URL, https://127.0.0.1:PORT, without a trailing slash.
	URL string
	// CACertPEM is the CA certificate clients must trust.
	CACertPEM []byte

	log       logr.Logger
	clock     *Clock
	wallClock func() time.Time
	store     *store
	faults    *faultInjector
	counters  *counters
	limiter   *rateLimiter
	actions   *actions.Service
	mux       *http.ServeMux
	http      *http.Server
	requestNo atomic.Uint64
	closeOnce sync.Once
	closeErr  error
	done      chan struct{}
}

// Start starts a simulator; it stops when ctx ends or Close is called.
func Start(ctx context.Context, opts Options) (*Server, error) {
	if err := opts.Faults.Validate(); err != nil {
		return nil, fmt.Errorf("%s: %w", errFaults, err)
	}
	clock := opts.Clock
	if clock == nil {
		clock = NewClock()
	}
	certs, err := generateCertificates(time.Now())
	if err != nil {
		return nil, fmt.Errorf("%s: %w", errCertificates, err)
	}
	if opts.CAFile != "" {
		if err := os.WriteFile(opts.CAFile, certs.caPEM, 0o600); err != nil {
			return nil, fmt.Errorf("%s: %w", errWriteCA, err)
		}
	}
	addr := opts.Addr
	if addr == "" {
		addr = defaultAddr
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", errListen, err)
	}

	s := &Server{
		URL:       "https://" + ln.Addr().String(),
		CACertPEM: certs.caPEM,
		log:       opts.Log,
		clock:     clock,
		wallClock: defaultWallClock,
		store:     newStore(),
		faults:    newFaultInjector(opts.Seed, opts.Faults),
		counters:  newCounters(clock.Now()),
		limiter:   newRateLimiter(),
		mux:       http.NewServeMux(),
		done:      make(chan struct{}),
	}
	if s.log.GetSink() == nil {
		s.log = logr.Discard()
	}
	s.actions = actions.New(actions.Config{
		Clock:           clock,
		Directory:       &directory{store: s.store},
		BaseURL:         s.actionsBaseURL,
		LongPollTimeout: time.Duration(opts.Faults.LongPollTimeout),
		AdminTokenTTL:   time.Duration(opts.Faults.AdminTokenTTL),
		MQTokenTTL:      time.Duration(opts.Faults.MQTokenTTL),
	})
	if err := s.routes(); err != nil {
		_ = ln.Close()
		return nil, err
	}
	if _, err := s.Setup(opts.Setup); err != nil {
		_ = ln.Close()
		return nil, fmt.Errorf("%s: %w", errSetup, err)
	}

	s.http = &http.Server{
		Handler:           s,
		ReadHeaderTimeout: 30 * time.Second,
		// HTTP/1.1 only: an injected connection reset then closes a real TCP
		// connection, which is what clients see from a flaky GitHub.
		TLSNextProto: map[string]func(*http.Server, *tls.Conn, http.Handler){},
		TLSConfig:    &tls.Config{Certificates: []tls.Certificate{certs.leaf}, MinVersion: tls.VersionTLS12},
		// TLS handshake failures (a client that does not trust the CA) and the like.
		ErrorLog: log.New(logWriter{s.log}, "", 0),
	}
	go func() {
		defer close(s.done)
		if err := s.http.ServeTLS(ln, "", ""); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Error(err, "simulator stopped serving")
		}
	}()
	go func() {
		select {
		case <-ctx.Done():
			_ = s.Close()
		case <-s.done:
		}
	}()
	s.log.Info("simulator started", "url", s.URL)
	return s, nil
}

// Close stops the simulator and ends waiting long polls.
func (s *Server) Close() error {
	s.closeOnce.Do(func() {
		s.actions.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := s.http.Shutdown(ctx); err != nil {
			s.closeErr = s.http.Close()
		}
		<-s.done
	})
	return s.closeErr
}

// APIURL is the GHES-style REST base, https://127.0.0.1:PORT/api/v3/.
func (s *Server) APIURL() string { return s.URL + apiPrefix + "/" }

// Clock is the simulated clock.
func (s *Server) Clock() *Clock { return s.clock }

// Actions is the mounted Actions Service.
func (s *Server) Actions() *actions.Service { return s.actions }

func (s *Server) actionsBaseURL(tenant string) string {
	return s.URL + actionsPrefix + tenant + "/"
}

// Setup adds organizations, repositories, enterprises, PATs and Apps.
func (s *Server) Setup(setup Setup) (SetupResult, error) {
	tenants, repos, err := s.store.apply(setup)
	if err != nil {
		return SetupResult{}, err
	}
	res := SetupResult{Tenants: []TenantInfo{}, Repositories: []RepositoryInfo{}}
	s.store.mu.RLock()
	defer s.store.mu.RUnlock()
	for _, t := range tenants {
		res.Tenants = append(res.Tenants, s.tenantInfo(t))
	}
	for _, r := range repos {
		res.Repositories = append(res.Repositories, RepositoryInfo{ID: r.id, FullName: r.fullName(), Private: r.private, TenantID: r.tenant.id})
	}
	return res, nil
}

// Tenants lists every tenant in creation order.
func (s *Server) Tenants() []TenantInfo {
	s.store.mu.RLock()
	defer s.store.mu.RUnlock()
	out := []TenantInfo{}
	for _, t := range s.store.sortedTenants() {
		out = append(out, s.tenantInfo(t))
	}
	return out
}

// Tenant finds the tenant of a scope: kind KindOrganization ("octo-org"),
// KindRepository ("octo-org/hello") or KindEnterprise ("octo-ent").
func (s *Server) Tenant(kind, name string) (TenantInfo, bool) {
	s.store.mu.RLock()
	defer s.store.mu.RUnlock()
	t, ok := s.store.tenantByScope(kind, name)
	if !ok {
		return TenantInfo{}, false
	}
	return s.tenantInfo(t), true
}

// Callers hold s.store.mu.
func (s *Server) tenantInfo(t *tenant) TenantInfo {
	return TenantInfo{ID: t.id, Kind: t.kind, Name: t.name(), ConfigURL: s.URL + "/" + t.scopePath(), ActionsURL: s.actionsBaseURL(t.id)}
}

// Faults are the faults in force.
func (s *Server) Faults() Faults { return s.faults.get() }

// SetFaults replaces the faults in force and passes the Actions Service's knobs on.
func (s *Server) SetFaults(f Faults) error {
	if err := f.Validate(); err != nil {
		return fmt.Errorf("%s: %w", errFaults, err)
	}
	s.faults.set(f)
	// The Actions Service reads zero as "unchanged"; Faults reads it as "default", so
	// the defaults are passed explicitly and clearing a knob restores GitHub's value.
	s.actions.SetTokenTTLs(orDefault(f.AdminTokenTTL, defaultAdminTokenTTL), orDefault(f.MQTokenTTL, defaultMQTokenTTL))
	s.actions.SetLongPollTimeout(orDefault(f.LongPollTimeout, defaultLongPollTimeout))
	return nil
}

// Defaults of the Actions Service's knobs (PROTOCOL.md §5.12).
const (
	defaultAdminTokenTTL   = 60 * time.Minute
	defaultMQTokenTTL      = 50 * time.Minute
	defaultLongPollTimeout = 50 * time.Second
)

func orDefault(d Duration, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return time.Duration(d)
}

// ExpireTokens makes every installation, registration, admin and message-queue token
// issued so far invalid. Configured PATs are not touched; give them ExpiresAt instead.
func (s *Server) ExpireTokens() {
	s.store.mu.Lock()
	s.store.installationTokens = map[string]*installationToken{}
	s.store.registrationTokens = map[string]*registrationToken{}
	s.store.mu.Unlock()
	s.actions.ExpireTokens()
}

// Counters are the call counts per endpoint.
func (s *Server) Counters() Counters { return s.counters.snapshot() }

// ResetCounters sets every count to zero.
func (s *Server) ResetCounters() { s.counters.reset(s.clock.Now()) }

// ResetRateLimits empties every rate-limit bucket's usage.
func (s *Server) ResetRateLimits() { s.limiter.resetAll() }

// restHandle registers a REST route in both layouts: GHES (/api/v3/...) and GitHub.com
// (host api.github.localhost).
func (s *Server) restHandle(method, path string, h http.HandlerFunc) {
	s.mux.HandleFunc(method+" "+apiPrefix+path, h)
	s.mux.HandleFunc(method+" "+hostedAPIHost+path, h)
}

// routes registers every route. The Actions Service registers its own; a pattern
// clash panics in ServeMux, which is turned into an error here.
func (s *Server) routes() (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%s: %v", errRegister, r)
		}
	}()
	s.restRoutes()
	s.adminRoutes()
	s.actions.Register(s.mux)
	return nil
}

// isREST tells REST calls, which carry rate-limit headers, from Actions Service calls.
func isREST(r *http.Request) bool {
	if strings.HasPrefix(r.URL.Path, apiPrefix+"/") {
		return true
	}
	host, _, err := net.SplitHostPort(r.Host)
	if err != nil {
		host = r.Host
	}
	return strings.EqualFold(host, hostedAPIHost) && !strings.HasPrefix(r.URL.Path, actionsPrefix) && !strings.HasPrefix(r.URL.Path, adminPrefix)
}

// logWriter forwards net/http's own error log lines to the structured log.
type logWriter struct{ log logr.Logger }

func (w logWriter) Write(p []byte) (int, error) {
	w.log.V(1).Info("http server", "message", strings.TrimSpace(string(p)))
	return len(p), nil
}
