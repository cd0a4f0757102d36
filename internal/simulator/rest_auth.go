package simulator

import (
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Token formats: installation tokens carry GitHub's ghs_ prefix; registration tokens
// are 29 upper-case letters and digits, like GitHub's.
const (
	installationTokenPrefix = "ghs_"
	registrationTokenSize   = 29
	tokenSchemaOAuth        = "OAuthAccessToken"
	remoteAuthScheme        = "remoteauth"
)

// installationTokenRequest is the optional body of an access_tokens call. It is
// decoded (so bad input gets GitHub's errors) but does not narrow the token [SIM].
type installationTokenRequest struct {
	RepositoryIDs []int64           `json:"repository_ids"`
	Repositories  []string          `json:"repositories"`
	Permissions   map[string]string `json:"permissions"`
}

type installationTokenJSON struct {
	Token               string            `json:"token"`
	ExpiresAt           string            `json:"expires_at"`
	Permissions         map[string]string `json:"permissions"`
	RepositorySelection string            `json:"repository_selection"`
	Repositories        []repositoryJSON  `json:"repositories,omitempty"`
}

type registrationTokenJSON struct {
	Token     string `json:"token"`
	ExpiresAt string `json:"expires_at"`
}

type runnerRegistrationRequest struct {
	URL         string `json:"url"`
	RunnerEvent string `json:"runner_event"`
}

type runnerRegistrationJSON struct {
	URL         string `json:"url"`
	Token       string `json:"token"`
	TokenSchema string `json:"token_schema"`
}

// createInstallationToken serves POST /app/installations/{installation_id}/access_tokens.
func (s *Server) createInstallationToken(w http.ResponseWriter, r *http.Request) {
	p, f := s.authenticate(r)
	if f != nil {
		writeFailure(w, f, docApps)
		return
	}
	if p.app == nil {
		writeError(w, http.StatusUnauthorized, msgJWTUndecodable, docApps)
		return
	}
	id, ok := pathID(r, "installation_id")
	s.store.mu.RLock()
	inst := s.store.installations[id]
	s.store.mu.RUnlock()
	if !ok || inst == nil || inst.app != p.app {
		writeError(w, http.StatusNotFound, msgNotFound, docApps)
		return
	}
	var req installationTokenRequest
	if f := decodeBody(r, &req, "Installation"); f != nil {
		writeFailure(w, f, docApps)
		return
	}
	token, err := newToken(installationTokenPrefix, installationTokenSize)
	if err != nil {
		writeError(w, http.StatusInternalServerError, msgServerError, docApps)
		return
	}
	now := s.clock.Now()
	expiresAt := now.Add(s.faults.get().installationTokenTTL()).UTC().Truncate(time.Second)

	s.store.mu.Lock()
	s.store.installationTokens[token] = &installationToken{token: token, installation: inst, expiresAt: expiresAt}
	s.pruneTokens(now)
	res := installationTokenJSON{Token: token, ExpiresAt: expiresAt.Format(time.RFC3339), Permissions: map[string]string{}, RepositorySelection: "all"}
	for k, v := range inst.permissions {
		res.Permissions[k] = v
	}
	if len(inst.repos) > 0 {
		res.RepositorySelection = "selected"
		for _, repo := range inst.org.repos {
			if inst.repos[repo.id] {
				res.Repositories = append(res.Repositories, toRepositoryJSON(r, repo))
			}
		}
	}
	s.store.mu.Unlock()
	writeJSON(w, http.StatusCreated, res)
}

// pruneTokens forgets expired tokens so a long benchmark does not grow without bound.
// Callers hold s.store.mu for writing.
func (s *Server) pruneTokens(now time.Time) {
	for k, t := range s.store.installationTokens {
		if !now.Before(t.expiresAt) {
			delete(s.store.installationTokens, k)
		}
	}
	for k, t := range s.store.registrationTokens {
		if !now.Before(t.expiresAt) {
			delete(s.store.registrationTokens, k)
		}
	}
}

func (s *Server) createOrgRegistrationToken(w http.ResponseWriter, r *http.Request) {
	s.createRegistrationToken(w, r, func(p *principal) (*tenant, *failure) {
		o, ok := s.store.orgs[strings.ToLower(r.PathValue("org"))]
		if !ok {
			return nil, errNotFound
		}
		if !p.canAdministerOrg(o) {
			return nil, p.forbidden()
		}
		return o.tenant, nil
	})
}

func (s *Server) createRepoRegistrationToken(w http.ResponseWriter, r *http.Request) {
	s.createRegistrationToken(w, r, func(p *principal) (*tenant, *failure) {
		repo, ok := s.store.reposByName[strings.ToLower(r.PathValue("owner")+"/"+r.PathValue("repo"))]
		if !ok || !p.canSee(repo) {
			return nil, errNotFound
		}
		if !p.canAdministerRepo(repo) {
			return nil, p.forbidden()
		}
		return repo.tenant, nil
	})
}

func (s *Server) createEnterpriseRegistrationToken(w http.ResponseWriter, r *http.Request) {
	s.createRegistrationToken(w, r, func(p *principal) (*tenant, *failure) {
		e, ok := s.store.enterprises[strings.ToLower(r.PathValue("enterprise"))]
		if !ok {
			return nil, errNotFound
		}
		if !p.canManageEnterprise(e) {
			return nil, p.forbidden()
		}
		return e.tenant, nil
	})
}

// createRegistrationToken mints a registration token for the tenant that scope
// resolves (under the store lock) for the caller.
func (s *Server) createRegistrationToken(w http.ResponseWriter, r *http.Request, scope func(*principal) (*tenant, *failure)) {
	p, f := s.authenticate(r)
	if f == nil && p.app != nil {
		f = &failure{status: http.StatusForbidden, message: msgNotAccessible}
	}
	if f != nil {
		writeFailure(w, f, docSelfHostedRunners)
		return
	}
	token, err := newToken("", registrationTokenSize)
	if err != nil {
		writeError(w, http.StatusInternalServerError, msgServerError, docSelfHostedRunners)
		return
	}
	token = strings.ToUpper(token)
	now := s.clock.Now()
	expiresAt := now.Add(s.faults.get().registrationTokenTTL()).UTC().Truncate(time.Second)

	s.store.mu.Lock()
	t, f := scope(p)
	if f == nil {
		s.store.registrationTokens[token] = &registrationToken{token: token, tenant: t, expiresAt: expiresAt}
		s.pruneTokens(now)
	}
	s.store.mu.Unlock()
	if f != nil {
		writeFailure(w, f, docSelfHostedRunners)
		return
	}
	writeJSON(w, http.StatusCreated, registrationTokenJSON{Token: token, ExpiresAt: expiresAt.Format(time.RFC3339)})
}

// runnerRegistration serves POST /actions/runner-registration: a registration token
// (RemoteAuth) buys the tenant's Actions Service URL and an admin token.
func (s *Server) runnerRegistration(w http.ResponseWriter, r *http.Request) {
	scheme, token, _ := strings.Cut(strings.TrimSpace(r.Header.Get("Authorization")), " ")
	token = strings.TrimSpace(token)
	if !strings.EqualFold(scheme, remoteAuthScheme) || token == "" {
		writeError(w, http.StatusUnauthorized, msgBadCredentials, docSelfHostedRunners)
		return
	}
	now := s.clock.Now()
	s.store.mu.RLock()
	rt, ok := s.store.registrationTokens[token]
	s.store.mu.RUnlock()
	if !ok || !now.Before(rt.expiresAt) {
		writeError(w, http.StatusUnauthorized, msgBadCredentials, docSelfHostedRunners)
		return
	}
	var req runnerRegistrationRequest
	if f := decodeBody(r, &req, "RunnerRegistration"); f != nil {
		writeFailure(w, f, docSelfHostedRunners)
		return
	}
	if strings.TrimSpace(req.URL) == "" {
		writeError(w, http.StatusUnprocessableEntity, msgValidationFailed, docSelfHostedRunners,
			fieldError{Resource: "RunnerRegistration", Field: "url", Code: codeMissingField})
		return
	}
	kind, name, ok := parseConfigURL(req.URL)
	if !ok {
		writeError(w, http.StatusNotFound, msgNotFound, docSelfHostedRunners)
		return
	}
	s.store.mu.RLock()
	t, found := s.store.tenantByScope(kind, name)
	s.store.mu.RUnlock()
	if !found || t != rt.tenant {
		writeError(w, http.StatusNotFound, msgNotFound, docSelfHostedRunners)
		return
	}
	admin, _ := s.actions.IssueAdminToken(t.id)
	writeJSON(w, http.StatusCreated, runnerRegistrationJSON{URL: s.actionsBaseURL(t.id), Token: admin, TokenSchema: tokenSchemaOAuth})
}

// parseConfigURL reads a githubConfigUrl's scope as scaleset does (PROTOCOL.md §1.1):
// one path segment is an organization, "enterprises/E" an enterprise, two other
// segments a repository.
func parseConfigURL(raw string) (kind, name string, ok bool) {
	u, err := url.Parse(strings.Trim(strings.TrimSpace(raw), "/"))
	if err != nil || u.Host == "" {
		return "", "", false
	}
	path := strings.Trim(u.Path, "/")
	if path == "" {
		return "", "", false
	}
	segs := strings.Split(path, "/")
	switch {
	case len(segs) == 1:
		return KindOrganization, segs[0], true
	case len(segs) == 2 && strings.EqualFold(segs[0], "enterprises"):
		return KindEnterprise, segs[1], true
	case len(segs) == 2:
		return KindRepository, segs[0] + "/" + segs[1], true
	}
	return "", "", false
}
