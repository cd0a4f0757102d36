package simulator

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Installation permissions that runner administration needs (PROTOCOL.md §2.4).
const (
	permOrgRunners     = "organization_self_hosted_runners"
	permAdministration = "administration"
	permissionWrite    = "write"
	wildcard           = "*"
)

// principal is who a request acts as: exactly one field is set.
type principal struct {
	pat          *pat
	installation *installation
	app          *app // App JWT: only valid on /app/... routes
}

// credential extracts the token of a Bearer or token Authorization header; the
// scheme is case-insensitive because scaleset sends "Bearer" and ghinstallation "token".
func credential(r *http.Request) (token string, present bool) {
	h := strings.TrimSpace(r.Header.Get("Authorization"))
	if h == "" {
		return "", false
	}
	scheme, value, ok := strings.Cut(h, " ")
	if !ok {
		return "", true
	}
	switch strings.ToLower(scheme) {
	case "bearer", "token":
		return strings.TrimSpace(value), true
	}
	return "", true
}

// authenticate resolves the request's credential. PATs and installation tokens expire
// on the simulator's clock; App JWTs are checked against the wall clock (see verifyAppJWT).
func (s *Server) authenticate(r *http.Request) (*principal, *failure) {
	token, present := credential(r)
	if !present {
		return nil, &failure{status: http.StatusUnauthorized, message: msgRequiresAuth}
	}
	if token == "" {
		return nil, &failure{status: http.StatusUnauthorized, message: msgBadCredentials}
	}
	if looksLikeJWT(token) {
		a, err := verifyAppJWT(token, s.wallClock(), s.appByIssuer)
		if err != nil {
			return nil, &failure{status: http.StatusUnauthorized, message: err.Error()}
		}
		return &principal{app: a}, nil
	}
	now := s.clock.Now()
	s.store.mu.RLock()
	defer s.store.mu.RUnlock()
	if p, ok := s.store.pats[token]; ok {
		if p.expiresAt != nil && !now.Before(*p.expiresAt) {
			return nil, &failure{status: http.StatusUnauthorized, message: msgBadCredentials}
		}
		return &principal{pat: p}, nil
	}
	if it, ok := s.store.installationTokens[token]; ok && now.Before(it.expiresAt) {
		return &principal{installation: it.installation}, nil
	}
	return nil, &failure{status: http.StatusUnauthorized, message: msgBadCredentials}
}

func (s *Server) appByIssuer(iss string) (*app, bool) {
	s.store.mu.RLock()
	defer s.store.mu.RUnlock()
	if id, err := strconv.ParseInt(iss, 10, 64); err == nil {
		a, ok := s.store.apps[id]
		return a, ok
	}
	a, ok := s.store.appsByClientID[iss]
	return a, ok
}

// forbidden is the 403 a principal gets for lacking rights; GitHub words it
// differently for integrations and users.
func (p *principal) forbidden() *failure {
	if p.pat != nil {
		return &failure{status: http.StatusForbidden, message: msgMustHaveAdmin}
	}
	return &failure{status: http.StatusForbidden, message: msgNotAccessible}
}

// canAdministerOrg: an org admin PAT, or an installation on the org with
// organization_self_hosted_runners write. Callers hold s.store.mu.
func (p *principal) canAdministerOrg(o *organization) bool {
	switch {
	case p.pat != nil:
		return listed(p.pat.orgs, o.login)
	case p.installation != nil:
		return p.installation.org == o && p.installation.permissions[permOrgRunners] == permissionWrite
	}
	return false
}

// canAdministerRepo: a PAT administering the repository or its org, or an installation
// covering it with administration write. Callers hold s.store.mu.
func (p *principal) canAdministerRepo(r *repository) bool {
	switch {
	case p.pat != nil:
		return listed(p.pat.repos, r.fullName()) || listed(p.pat.orgs, r.owner.login)
	case p.installation != nil:
		return p.installation.covers(r) && p.installation.permissions[permAdministration] == permissionWrite
	}
	return false
}

// canManageEnterprise: a PAT with manage_runners:enterprise on it. GitHub App support
// at enterprise level is unknown (PROTOCOL.md §2.4) and refused.
func (p *principal) canManageEnterprise(e *enterprise) bool {
	return p.pat != nil && listed(p.pat.enterprises, e.slug)
}

// canSee tells whether the repository's metadata is visible: public repositories are
// visible to everyone authenticated, private ones to their administrators and to
// installations covering them. Callers hold s.store.mu.
func (p *principal) canSee(r *repository) bool {
	if !r.private {
		return true
	}
	if p.installation != nil {
		return p.installation.covers(r)
	}
	return p.canAdministerRepo(r)
}

func (i *installation) covers(r *repository) bool {
	return r.owner == i.org && (len(i.repos) == 0 || i.repos[r.id])
}

func listed(list []string, name string) bool {
	name = strings.ToLower(name)
	for _, v := range list {
		if v == wildcard || v == name {
			return true
		}
	}
	return false
}

// defaultWallClock is the wall clock JWTs are checked against.
func defaultWallClock() time.Time { return time.Now() }
