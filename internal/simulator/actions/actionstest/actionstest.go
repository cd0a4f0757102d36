// Package actionstest serves the Actions Service over HTTPS for tests, with an
// in-memory Directory, a settable clock, and the smallest REST stand-in the
// scaleset client needs to reach it (installation token, registration token,
// runner-registration). It exists so the Actions Service and its clients can be
// tested before, and independently of, the full simulator; it checks credentials
// only as far as the flow needs.
package actionstest

import (
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/arc-crossplane/provider-github-arc/internal/simulator/actions"
)

// Credentials the REST stand-in accepts.
const (
	PAT               = "ghp_actionstest"
	InstallationToken = "ghs_actionstest"
	registrationToken = "AREGISTRATIONTOKEN"
)

// Server is a running Actions Service with its REST stand-in.
type Server struct {
	*httptest.Server
	Service   *actions.Service
	Clock     *Clock
	Directory *Directory
	// CAPEM is the PEM of the certificate clients must trust.
	CAPEM []byte

	registrations atomic.Int64
}

// NewServer starts a server with one organization, "octo" (tenant "t-octo"), and
// its Default runner group (id 1). configure may change the service config.
func NewServer(t testing.TB, configure ...func(*actions.Config)) *Server {
	t.Helper()
	s := &Server{
		Clock:     &Clock{},
		Directory: NewDirectory(),
	}
	s.Directory.AddOrg("octo")
	mux := http.NewServeMux()
	s.Server = httptest.NewUnstartedServer(mux)
	// Clients that go away mid-handshake at the end of a test are not news.
	s.Server.Config.ErrorLog = log.New(io.Discard, "", 0)
	cfg := actions.Config{
		Clock:           s.Clock,
		Directory:       s.Directory,
		BaseURL:         func(tenant string) string { return s.URL + "/_actions/" + tenant + "/" },
		LongPollTimeout: 2 * time.Second,
	}
	for _, c := range configure {
		c(&cfg)
	}
	s.Service = actions.New(cfg)
	s.Service.Register(mux)
	s.registerREST(mux)
	s.StartTLS()
	s.CAPEM = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: s.Certificate().Raw})
	t.Cleanup(func() {
		s.Service.Close()
		s.Close()
	})
	return s
}

// ConfigURL is the GitHub config URL of an organization (GHES layout).
func (s *Server) ConfigURL(org string) string { return s.URL + "/" + org }

// Registrations counts successful runner-registration calls: each one is an
// admin token handed to a client.
func (s *Server) Registrations() int64 { return s.registrations.Load() }

func (s *Server) registerREST(mux *http.ServeMux) {
	mux.HandleFunc("POST /api/v3/app/installations/{id}/access_tokens", func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.Header.Get("Authorization"), "Bearer ") {
			restError(w, http.StatusUnauthorized, "A JSON web token could not be decoded")
			return
		}
		restJSON(w, http.StatusCreated, map[string]any{
			"token":      InstallationToken,
			"expires_at": time.Now().Add(time.Hour).UTC().Format(time.RFC3339),
		})
	})
	mux.HandleFunc("POST /api/v3/orgs/{org}/actions/runners/registration-token", func(w http.ResponseWriter, r *http.Request) {
		auth := r.Header.Get("Authorization")
		if auth != "Bearer "+PAT && auth != "Bearer "+InstallationToken {
			restError(w, http.StatusUnauthorized, "Bad credentials")
			return
		}
		if _, ok := s.Directory.orgTenant(r.PathValue("org")); !ok {
			restError(w, http.StatusNotFound, "Not Found")
			return
		}
		restJSON(w, http.StatusCreated, map[string]any{
			"token":      registrationToken + ":" + r.PathValue("org"),
			"expires_at": time.Now().Add(time.Hour).UTC().Format(time.RFC3339),
		})
	})
	mux.HandleFunc("POST /api/v3/actions/runner-registration", func(w http.ResponseWriter, r *http.Request) {
		org, ok := strings.CutPrefix(r.Header.Get("Authorization"), "RemoteAuth "+registrationToken+":")
		if !ok {
			restError(w, http.StatusUnauthorized, "Bad credentials")
			return
		}
		tenant, ok := s.Directory.orgTenant(org)
		if !ok {
			restError(w, http.StatusNotFound, "Not Found")
			return
		}
		token, _ := s.Service.IssueAdminToken(tenant)
		s.registrations.Add(1)
		restJSON(w, http.StatusCreated, map[string]any{
			"url":          s.URL + "/_actions/" + tenant + "/",
			"token":        token,
			"token_schema": "OAuthAccessToken",
		})
	})
}

func restJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func restError(w http.ResponseWriter, status int, msg string) {
	restJSON(w, status, map[string]string{"message": msg, "documentation_url": "https://docs.github.com/rest"})
}

// Clock follows the wall clock plus an offset: time passes on its own, and tests
// jump ahead with Advance (the 24 h queue expiry) without waiting.
type Clock struct {
	mu     sync.Mutex
	offset time.Duration
}

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.offset)
}

// Advance moves the clock forward.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.offset += d
}

// Directory is an in-memory actions.Directory: organizations with runner groups
// and a repository policy. Every repository "org/name" of a known organization
// exists; Deny excludes one from a group.
type Directory struct {
	mu     sync.Mutex
	orgs   map[string]string // org (lower case) -> tenant
	groups map[string][]actions.Group
	denied map[string]bool // tenant/group/repo
}

// NewDirectory returns an empty directory.
func NewDirectory() *Directory {
	return &Directory{orgs: map[string]string{}, groups: map[string][]actions.Group{}, denied: map[string]bool{}}
}

// AddOrg adds an organization, tenant "t-<org>", with its Default group (id 1).
func (d *Directory) AddOrg(org string) string {
	d.mu.Lock()
	defer d.mu.Unlock()
	tenant := "t-" + strings.ToLower(org)
	d.orgs[strings.ToLower(org)] = tenant
	d.groups[tenant] = []actions.Group{{ID: 1, Name: "Default", IsDefault: true}}
	return tenant
}

// AddGroup adds a runner group to the tenant and returns it.
func (d *Directory) AddGroup(tenant, name string) actions.Group {
	d.mu.Lock()
	defer d.mu.Unlock()
	g := actions.Group{ID: int64(len(d.groups[tenant]) + 1), Name: name}
	d.groups[tenant] = append(d.groups[tenant], g)
	return g
}

// Deny keeps jobs of repo off the tenant's group.
func (d *Directory) Deny(tenant string, groupID int64, repo string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.denied[fmt.Sprintf("%s/%d/%s", tenant, groupID, strings.ToLower(repo))] = true
}

func (d *Directory) orgTenant(org string) (string, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	t, ok := d.orgs[strings.ToLower(org)]
	return t, ok
}

// RunnerGroupByName implements actions.Directory.
func (d *Directory) RunnerGroupByName(tenant, name string) (actions.Group, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, g := range d.groups[tenant] {
		if strings.EqualFold(g.Name, name) {
			return g, true
		}
	}
	return actions.Group{}, false
}

// RunnerGroupByID implements actions.Directory.
func (d *Directory) RunnerGroupByID(tenant string, id int64) (actions.Group, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, g := range d.groups[tenant] {
		if g.ID == id {
			return g, true
		}
	}
	return actions.Group{}, false
}

// RepositoryAllowed implements actions.Directory.
func (d *Directory) RepositoryAllowed(tenant string, groupID int64, repo string) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return !d.denied[fmt.Sprintf("%s/%d/%s", tenant, groupID, strings.ToLower(repo))]
}

// TenantsForRepository implements actions.Directory.
func (d *Directory) TenantsForRepository(repo string) []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	org, _, ok := strings.Cut(repo, "/")
	if !ok {
		return nil
	}
	if t, ok := d.orgs[strings.ToLower(org)]; ok {
		return []string{t}
	}
	return nil
}
