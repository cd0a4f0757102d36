// Package actions is the simulator's Actions Service: runner scale sets, message
// sessions and queues, job routing and acquisition, JIT configs and runners, as
// described in shared/PROTOCOL.md sections 4 and 5. The REST side of the simulator
// (package simulator) mounts it and hands it what it needs to know about tenants and
// runner groups through Directory.
//
// All state lives behind one mutex (Service.mu). Long polls (message queues, runners
// waiting for a job, admin waits) park on channels that are closed and replaced
// whenever the thing they wait for changes, so no goroutine outlives its request and
// Close releases every waiter.
package actions

import (
	"crypto/rand"
	"math"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// Clock tells the time. The simulator injects a settable clock so tests can move
// time forward (token expiry, the 24 h unassignment of a queued job).
type Clock interface {
	Now() time.Time
}

// Directory is what the Actions Service needs to know about the REST side's tenants
// and runner groups. Both sides read the same store: group ids are the same numbers.
//
// A tenant is one GitHub config URL scope (an org, a repository or an enterprise),
// named by an opaque, URL-safe id such as "t-1" that appears in the Actions base URL.
//
// The Service calls Directory methods while it holds its own lock, so an
// implementation must never call back into the Service while holding a lock of
// its own that those methods need.
type Directory interface {
	// RunnerGroupByName finds a runner group visible to the tenant by name
	// (case-insensitive).
	RunnerGroupByName(tenant, name string) (Group, bool)
	// RunnerGroupByID finds a runner group visible to the tenant by id.
	RunnerGroupByID(tenant string, id int64) (Group, bool)
	// RepositoryAllowed tells whether jobs of repository repo ("owner/name") may run
	// on runners of the tenant's group id (visibility, selected repositories,
	// public-repository access).
	RepositoryAllowed(tenant string, groupID int64, repo string) bool
	// TenantsForRepository lists the tenants whose scale sets may serve jobs of repo
	// ("owner/name"): the repository's own tenant, its organization's, and the
	// enterprise's that holds the organization, those that exist.
	TenantsForRepository(repo string) []string
}

// WorkflowPolicy may be implemented by a Directory whose runner groups can be
// restricted to workflows (restricted_to_workflows, selected_workflows). When it
// is, a job matches a scale set only if its workflow ref is allowed in the scale
// set's group (PROTOCOL.md §5.4).
type WorkflowPolicy interface {
	WorkflowAllowed(tenant string, groupID int64, workflowRef string) bool
}

// Group is a runner group as the Actions Service reports it.
type Group struct {
	ID        int64
	Name      string
	IsDefault bool
}

// Config configures a Service. Zero durations take the defaults of PROTOCOL.md §5.12.
type Config struct {
	Clock     Clock
	Directory Directory
	// BaseURL returns the tenant's absolute Actions base URL, ending in "/",
	// for example https://127.0.0.1:PORT/_actions/t-1/.
	BaseURL func(tenant string) string

	LongPollTimeout time.Duration // default 50 s
	AdminTokenTTL   time.Duration // default 60 min
	MQTokenTTL      time.Duration // default 50 min
	QueueExpiry     time.Duration // default 24 h: an unassigned job is dropped after it

	// SessionIdleTimeout deletes a session that has not polled for this long
	// (measured on Clock, never while a poll waits). Zero keeps sessions until they
	// are deleted: a test that moves Clock a day forward must not end every
	// listener's session.
	SessionIdleTimeout time.Duration
	// AssignTimeout takes a request back from a scale set when no runner of it
	// started the job this long after the assignment (JobCompleted, canceled,
	// then a new request for the same job), up to maxReassign times with the
	// timeout doubling each time (PROTOCOL.md §5.2). Zero, the default, keeps
	// assignments until QueueExpiry: pods of a slow test cluster must not lose
	// their jobs.
	AssignTimeout time.Duration
	// AutoAssign selects the github.com-like mode of PROTOCOL.md §5.2: requests are
	// assigned to the lowest matching scale set id with free capacity, without
	// JobAvailable or acquirejobs. The default is the GHES-like acquire mode.
	AutoAssign bool
	// TokenClock measures token lifetimes. Default: the wall clock. Token expiry
	// is deliberately not measured on Clock: the scaleset client decides when to
	// refresh its admin token by its own wall clock, so a jump of Clock would turn
	// every admin token a client still trusts into a 401 it never recovers from.
	// Forced expiry is ExpireTokens.
	TokenClock Clock
}

// Defaults of PROTOCOL.md §5.12.
const (
	defaultLongPollTimeout = 50 * time.Second
	defaultAdminTokenTTL   = 60 * time.Minute
	defaultMQTokenTTL      = 50 * time.Minute
	defaultQueueExpiry     = 24 * time.Hour

	// maxReassign bounds the unassignments of AssignTimeout; after the last one
	// the request stays assigned until QueueExpiry.
	maxReassign = 3

	// unlimitedCapacity is what a listener without maxRunners sends, and what a
	// scale set has before its first poll or when the header is absent.
	unlimitedCapacity = math.MaxInt32
)

// Service is the Actions Service. It is safe for concurrent use.
type Service struct {
	cfg        Config
	tokenClock Clock

	// Read without mu: IssueAdminToken is called by the REST side, which may
	// hold its own locks.
	signingKey      []byte
	adminTTL        atomic.Int64
	mqTTL           atomic.Int64
	longPoll        atomic.Int64
	tokenGeneration atomic.Int64

	closed    chan struct{}
	closeOnce sync.Once

	mu sync.Mutex
	st state
}

// New returns a Service.
func New(cfg Config) *Service {
	if cfg.Clock == nil {
		cfg.Clock = wallClock{}
	}
	if cfg.BaseURL == nil {
		cfg.BaseURL = func(tenant string) string { return "/_actions/" + tenant + "/" }
	}
	if cfg.QueueExpiry <= 0 {
		cfg.QueueExpiry = defaultQueueExpiry
	}
	s := &Service{
		cfg:        cfg,
		tokenClock: cfg.TokenClock,
		signingKey: make([]byte, 32),
		closed:     make(chan struct{}),
		st:         newState(),
	}
	if s.tokenClock == nil {
		s.tokenClock = wallClock{}
	}
	// crypto/rand.Read never returns an error (Go 1.24+).
	_, _ = rand.Read(s.signingKey)
	s.adminTTL.Store(int64(orDefault(cfg.AdminTokenTTL, defaultAdminTokenTTL)))
	s.mqTTL.Store(int64(orDefault(cfg.MQTokenTTL, defaultMQTokenTTL)))
	s.longPoll.Store(int64(orDefault(cfg.LongPollTimeout, defaultLongPollTimeout)))
	return s
}

// IssueAdminToken mints an admin token (a JWT with a numeric exp and the tenant in
// claim "tid") for the tenant; the REST side returns it from
// POST /actions/runner-registration.
func (s *Service) IssueAdminToken(tenant string) (token string, expiresAt time.Time) {
	return s.issueAdminToken(tenant)
}

// Register adds the Actions Service routes (under /_actions/{tenant}/...) and its
// admin routes (under /_sim/...) to mux, using Go 1.22 method-and-path patterns.
// The REST side counts calls and injects faults per registered pattern.
func (s *Service) Register(mux *http.ServeMux) {
	s.registerActions(mux)
	s.registerAdmin(mux)
}

// SetTokenTTLs changes the admin and message-queue token lifetimes at run time;
// zero leaves a lifetime unchanged.
func (s *Service) SetTokenTTLs(admin, mq time.Duration) {
	if admin > 0 {
		s.adminTTL.Store(int64(admin))
	}
	if mq > 0 {
		s.mqTTL.Store(int64(mq))
	}
}

// SetLongPollTimeout changes how long a message GET waits before answering 202.
func (s *Service) SetLongPollTimeout(d time.Duration) {
	if d > 0 {
		s.longPoll.Store(int64(d))
	}
}

// ExpireTokens makes every admin and message-queue token issued so far invalid, as
// if each had reached its expiry.
func (s *Service) ExpireTokens() {
	s.tokenGeneration.Add(1)
}

// Sweep applies everything that became due on Clock: queued jobs older than
// QueueExpiry are dropped and idle sessions end. Every request sweeps first; the
// REST side calls Sweep after it moves the clock so that waiting long polls hear of
// the change at once.
func (s *Service) Sweep() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sweepLocked()
}

// Close ends waiting long polls; it is called when the simulator stops.
func (s *Service) Close() {
	s.closeOnce.Do(func() { close(s.closed) })
}

func (s *Service) now() time.Time { return s.cfg.Clock.Now().UTC() }

func (s *Service) longPollTimeout() time.Duration { return time.Duration(s.longPoll.Load()) }

// after returns a channel that fires once d has passed, on Clock when Clock offers
// timers (a fake clock may), else on the wall clock, and a func that releases it.
func (s *Service) after(d time.Duration) (<-chan time.Time, func()) {
	if tc, ok := s.cfg.Clock.(interface {
		After(time.Duration) <-chan time.Time
	}); ok {
		return tc.After(d), func() {}
	}
	t := time.NewTimer(d)
	return t.C, func() { t.Stop() }
}

type wallClock struct{}

func (wallClock) Now() time.Time { return time.Now() }

func orDefault(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}
