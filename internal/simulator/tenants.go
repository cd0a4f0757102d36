package simulator

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Tenant kinds: the three GitHub config URL scopes.
const (
	KindOrganization = "organization"
	KindRepository   = "repository"
	KindEnterprise   = "enterprise"
)

// Setup declares organizations, repositories, enterprises, personal access tokens
// and GitHub Apps. Applying it is additive: what exists already is kept and extended.
type Setup struct {
	Enterprises []EnterpriseSpec `json:"enterprises,omitempty"`
	Orgs        []OrgSpec        `json:"orgs,omitempty"`
	PATs        []PATSpec        `json:"pats,omitempty"`
	Apps        []AppSpec        `json:"apps,omitempty"`
}

// EnterpriseSpec declares an enterprise; organizations join it through OrgSpec.Enterprise.
type EnterpriseSpec struct {
	Slug string `json:"slug"`
}

// OrgSpec declares an organization and its repositories.
type OrgSpec struct {
	Login string `json:"login"`
	// Enterprise is the slug of the enterprise that holds the organization, if any.
	Enterprise   string     `json:"enterprise,omitempty"`
	Repositories []RepoSpec `json:"repositories,omitempty"`
}

// RepoSpec declares a repository of an organization.
type RepoSpec struct {
	Name    string `json:"name"`
	Private bool   `json:"private,omitempty"`
}

// PATSpec declares a personal access token and what its user administers. The entries
// name organizations ("octo-org"), repositories ("octo-org/hello") and enterprises
// ("octo-ent"); "*" in a list stands for every one of that kind.
type PATSpec struct {
	Token        string     `json:"token"`
	Login        string     `json:"login,omitempty"`
	Orgs         []string   `json:"orgs,omitempty"`
	Repositories []string   `json:"repositories,omitempty"`
	Enterprises  []string   `json:"enterprises,omitempty"`
	ExpiresAt    *time.Time `json:"expiresAt,omitempty"`
}

// AppSpec declares a GitHub App: its ids, the PEM of its RSA public key (or of its
// private key, from which the public one is taken) and its installations.
type AppSpec struct {
	ID            int64              `json:"id"`
	ClientID      string             `json:"clientId,omitempty"`
	Slug          string             `json:"slug,omitempty"`
	PublicKeyPEM  string             `json:"publicKeyPEM"`
	Installations []InstallationSpec `json:"installations,omitempty"`
}

// InstallationSpec declares an installation of an app on an organization, for all of
// its repositories or, when Repositories is set, for those (by name) only.
type InstallationSpec struct {
	ID           int64             `json:"id"`
	Org          string            `json:"org"`
	Repositories []string          `json:"repositories,omitempty"`
	Permissions  map[string]string `json:"permissions,omitempty"`
}

// SetupResult describes the tenants and repositories a Setup touched.
type SetupResult struct {
	Tenants      []TenantInfo     `json:"tenants"`
	Repositories []RepositoryInfo `json:"repositories"`
}

// TenantInfo describes one tenant.
type TenantInfo struct {
	ID   string `json:"id"`
	Kind string `json:"kind"`
	// Name is the org login, "owner/repo" or the enterprise slug.
	Name string `json:"name"`
	// ConfigURL is the githubConfigUrl a scale-set client uses for the tenant (GHES layout).
	ConfigURL string `json:"configURL"`
	// ActionsURL is the tenant's Actions Service base URL.
	ActionsURL string `json:"actionsURL"`
}

// RepositoryInfo describes one repository.
type RepositoryInfo struct {
	ID       int64  `json:"id"`
	FullName string `json:"fullName"`
	Private  bool   `json:"private"`
	// TenantID is the repository-scoped tenant.
	TenantID string `json:"tenantId"`
}

const (
	errSetupOrgLogin      = "organization login must be a GitHub account name"
	errSetupRepoName      = "repository name must be a GitHub repository name"
	errSetupEnterprise    = "enterprise slug must be a GitHub account name"
	errSetupUnknownEnt    = "unknown enterprise"
	errSetupOtherEnt      = "organization already belongs to another enterprise"
	errSetupPATToken      = "personal access token must not be empty"
	errSetupAppID         = "app id must be positive"
	errSetupAppKey        = "app public key must be a PEM RSA public or private key"
	errSetupAppClientID   = "app client id is used by another app"
	errSetupInstID        = "installation id must be positive and unused by another app"
	errSetupInstOrg       = "installation organization is unknown"
	errSetupInstRepo      = "installation repository is unknown"
	errGenerateToken      = "cannot generate a token"
	defaultGroupName      = "Default"
	defaultGroupID        = int64(1)
	firstOrgID            = int64(1000)
	firstRepoID           = int64(100000)
	firstEnterpriseID     = int64(10)
	firstCustomGroupID    = int64(2)
	tokenAlphabet         = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	installationTokenSize = 36
)

// accountName matches GitHub login and slug rules closely enough for URL safety.
var (
	accountName = regexp.MustCompile(`^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$`)
	repoName    = regexp.MustCompile(`^[A-Za-z0-9._-]{1,100}$`)
)

type tenant struct {
	id          string
	kind        string
	org         *organization // organization tenants; the owner for repository tenants
	repo        *repository   // repository tenants
	enterprise  *enterprise   // enterprise tenants
	groups      map[int64]*runnerGroup
	nextGroupID int64
}

type organization struct {
	id         int64
	login      string
	tenant     *tenant
	enterprise *enterprise
	repos      []*repository // in creation order, which is id order
}

type repository struct {
	id      int64
	name    string
	private bool
	owner   *organization
	tenant  *tenant
}

func (r *repository) fullName() string { return r.owner.login + "/" + r.name }

type enterprise struct {
	id     int64
	slug   string
	tenant *tenant
	orgs   []*organization
}

type pat struct {
	token       string
	login       string
	orgs        []string
	repos       []string
	enterprises []string
	expiresAt   *time.Time
}

type app struct {
	id        int64
	clientID  string
	slug      string
	publicKey *rsa.PublicKey
}

type installation struct {
	id          int64
	app         *app
	org         *organization
	repos       map[int64]bool // empty: every repository of org
	permissions map[string]string
}

type installationToken struct {
	token        string
	installation *installation
	expiresAt    time.Time
}

type registrationToken struct {
	token     string
	tenant    *tenant
	expiresAt time.Time
}

// store holds everything the REST side knows. One mutex: the simulator's load is far
// below the point where finer locking would pay off, and one lock keeps invariants
// (group names, ids) simple.
type store struct {
	mu sync.RWMutex
	storeState
}

// storeState is everything the store holds, apart from its lock.
type storeState struct {
	nextTenant       int
	nextOrgID        int64
	nextRepoID       int64
	nextEnterpriseID int64

	tenants            map[string]*tenant
	orgs               map[string]*organization // by lower-case login
	enterprises        map[string]*enterprise   // by lower-case slug
	repos              map[int64]*repository
	reposByName        map[string]*repository // by lower-case "owner/name"
	pats               map[string]*pat
	apps               map[int64]*app
	appsByClientID     map[string]*app
	installations      map[int64]*installation
	installationTokens map[string]*installationToken
	registrationTokens map[string]*registrationToken
}

func newStore() *store {
	return &store{storeState: storeState{
		nextOrgID:          firstOrgID,
		nextRepoID:         firstRepoID,
		nextEnterpriseID:   firstEnterpriseID,
		tenants:            map[string]*tenant{},
		orgs:               map[string]*organization{},
		enterprises:        map[string]*enterprise{},
		repos:              map[int64]*repository{},
		reposByName:        map[string]*repository{},
		pats:               map[string]*pat{},
		apps:               map[int64]*app{},
		appsByClientID:     map[string]*app{},
		installations:      map[int64]*installation{},
		installationTokens: map[string]*installationToken{},
		registrationTokens: map[string]*registrationToken{},
	}}
}

// newTenant creates a tenant with its Default runner group. Callers hold s.mu.
func (s *store) newTenant(kind string) *tenant {
	s.nextTenant++
	t := &tenant{
		id:          "t-" + strconv.Itoa(s.nextTenant),
		kind:        kind,
		groups:      map[int64]*runnerGroup{},
		nextGroupID: firstCustomGroupID,
	}
	t.groups[defaultGroupID] = &runnerGroup{id: defaultGroupID, name: defaultGroupName, visibility: visibilityAll, isDefault: true, selected: map[int64]bool{}}
	s.tenants[t.id] = t
	return t
}

// apply adds what setup declares. It validates everything first so that a bad spec
// changes nothing.
func (s *store) apply(setup Setup) ([]*tenant, []*repository, error) {
	if err := validateSetup(setup); err != nil {
		return nil, nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.checkReferences(setup); err != nil {
		return nil, nil, err
	}

	var touched []*tenant
	var repos []*repository
	for _, es := range setup.Enterprises {
		touched = append(touched, s.ensureEnterprise(es.Slug).tenant)
	}
	for _, orgSpec := range setup.Orgs {
		o := s.ensureOrg(orgSpec.Login)
		if orgSpec.Enterprise != "" && o.enterprise == nil {
			e := s.enterprises[strings.ToLower(orgSpec.Enterprise)]
			o.enterprise = e
			e.orgs = append(e.orgs, o)
		}
		touched = append(touched, o.tenant)
		for _, rs := range orgSpec.Repositories {
			r := s.ensureRepo(o, rs)
			touched = append(touched, r.tenant)
			repos = append(repos, r)
		}
	}
	for _, ps := range setup.PATs {
		s.pats[ps.Token] = &pat{
			token: ps.Token, login: ps.Login, orgs: lowerAll(ps.Orgs), repos: lowerAll(ps.Repositories),
			enterprises: lowerAll(ps.Enterprises), expiresAt: ps.ExpiresAt,
		}
	}
	for _, as := range setup.Apps {
		key, _ := parseRSAPublicKey(as.PublicKeyPEM) // validated above
		// An app declared again is updated in place: its installations and their
		// tokens keep pointing at it.
		a, ok := s.apps[as.ID]
		if !ok {
			a = &app{id: as.ID}
			s.apps[a.id] = a
		}
		if a.clientID != "" {
			delete(s.appsByClientID, a.clientID)
		}
		a.clientID, a.slug, a.publicKey = as.ClientID, as.Slug, key
		if a.clientID != "" {
			s.appsByClientID[a.clientID] = a
		}
		for _, is := range as.Installations {
			o := s.orgs[strings.ToLower(is.Org)]
			inst := &installation{id: is.ID, app: a, org: o, repos: map[int64]bool{}, permissions: map[string]string{}}
			for _, name := range is.Repositories {
				inst.repos[s.reposByName[strings.ToLower(o.login+"/"+name)].id] = true
			}
			for k, v := range is.Permissions {
				inst.permissions[k] = v
			}
			s.installations[inst.id] = inst
		}
	}
	return dedupTenants(touched), repos, nil
}

func validateSetup(setup Setup) error {
	for _, es := range setup.Enterprises {
		if !accountName.MatchString(es.Slug) {
			return fmt.Errorf("%s: %q", errSetupEnterprise, es.Slug)
		}
	}
	for _, orgSpec := range setup.Orgs {
		if !accountName.MatchString(orgSpec.Login) {
			return fmt.Errorf("%s: %q", errSetupOrgLogin, orgSpec.Login)
		}
		for _, rs := range orgSpec.Repositories {
			if !repoName.MatchString(rs.Name) || rs.Name == "." || rs.Name == ".." {
				return fmt.Errorf("%s: %q", errSetupRepoName, rs.Name)
			}
		}
	}
	for _, ps := range setup.PATs {
		if strings.TrimSpace(ps.Token) == "" {
			return fmt.Errorf("%s", errSetupPATToken)
		}
	}
	for _, as := range setup.Apps {
		if as.ID <= 0 {
			return fmt.Errorf("%s: %d", errSetupAppID, as.ID)
		}
		if _, err := parseRSAPublicKey(as.PublicKeyPEM); err != nil {
			return fmt.Errorf("%s: app %d: %w", errSetupAppKey, as.ID, err)
		}
		for _, is := range as.Installations {
			if is.ID <= 0 {
				return fmt.Errorf("%s: %d", errSetupInstID, is.ID)
			}
		}
	}
	return nil
}

// checkReferences validates what refers to existing or declared objects. Callers hold s.mu.
func (s *store) checkReferences(setup Setup) error {
	declaredEnt := map[string]bool{}
	for _, es := range setup.Enterprises {
		declaredEnt[strings.ToLower(es.Slug)] = true
	}
	declaredRepos := map[string]bool{}
	for _, orgSpec := range setup.Orgs {
		if orgSpec.Enterprise != "" {
			slug := strings.ToLower(orgSpec.Enterprise)
			if _, ok := s.enterprises[slug]; !ok && !declaredEnt[slug] {
				return fmt.Errorf("%s: %q", errSetupUnknownEnt, orgSpec.Enterprise)
			}
			if o, ok := s.orgs[strings.ToLower(orgSpec.Login)]; ok && o.enterprise != nil && !strings.EqualFold(o.enterprise.slug, orgSpec.Enterprise) {
				return fmt.Errorf("%s: %q", errSetupOtherEnt, orgSpec.Login)
			}
		}
		declaredRepos[strings.ToLower(orgSpec.Login)] = true
		for _, rs := range orgSpec.Repositories {
			declaredRepos[strings.ToLower(orgSpec.Login+"/"+rs.Name)] = true
		}
	}
	clientIDs := map[string]int64{}
	for _, as := range setup.Apps {
		if as.ClientID != "" {
			if other, ok := s.appsByClientID[as.ClientID]; ok && other.id != as.ID {
				return fmt.Errorf("%s: %q", errSetupAppClientID, as.ClientID)
			}
			if id, ok := clientIDs[as.ClientID]; ok && id != as.ID {
				return fmt.Errorf("%s: %q", errSetupAppClientID, as.ClientID)
			}
			clientIDs[as.ClientID] = as.ID
		}
		for _, is := range as.Installations {
			if other, ok := s.installations[is.ID]; ok && other.app.id != as.ID {
				return fmt.Errorf("%s: %d", errSetupInstID, is.ID)
			}
			org := strings.ToLower(is.Org)
			if _, ok := s.orgs[org]; !ok && !declaredRepos[org] {
				return fmt.Errorf("%s: %q", errSetupInstOrg, is.Org)
			}
			for _, name := range is.Repositories {
				full := strings.ToLower(is.Org + "/" + name)
				if _, ok := s.reposByName[full]; !ok && !declaredRepos[full] {
					return fmt.Errorf("%s: %q", errSetupInstRepo, full)
				}
			}
		}
	}
	return nil
}

func (s *store) ensureEnterprise(slug string) *enterprise {
	if e, ok := s.enterprises[strings.ToLower(slug)]; ok {
		return e
	}
	e := &enterprise{id: s.nextEnterpriseID, slug: slug}
	s.nextEnterpriseID++
	e.tenant = s.newTenant(KindEnterprise)
	e.tenant.enterprise = e
	s.enterprises[strings.ToLower(slug)] = e
	return e
}

func (s *store) ensureOrg(login string) *organization {
	if o, ok := s.orgs[strings.ToLower(login)]; ok {
		return o
	}
	o := &organization{id: s.nextOrgID, login: login}
	s.nextOrgID++
	o.tenant = s.newTenant(KindOrganization)
	o.tenant.org = o
	s.orgs[strings.ToLower(login)] = o
	return o
}

func (s *store) ensureRepo(o *organization, rs RepoSpec) *repository {
	full := strings.ToLower(o.login + "/" + rs.Name)
	if r, ok := s.reposByName[full]; ok {
		r.private = rs.Private
		return r
	}
	r := &repository{id: s.nextRepoID, name: rs.Name, private: rs.Private, owner: o}
	s.nextRepoID++
	r.tenant = s.newTenant(KindRepository)
	r.tenant.org = o
	r.tenant.repo = r
	o.repos = append(o.repos, r)
	s.repos[r.id] = r
	s.reposByName[full] = r
	return r
}

// name is the org login, "owner/repo" or the enterprise slug.
func (t *tenant) name() string {
	switch t.kind {
	case KindRepository:
		return t.repo.fullName()
	case KindEnterprise:
		return t.enterprise.slug
	default:
		return t.org.login
	}
}

// scopePath is the config URL path of the tenant ("octo-org", "octo-org/hello",
// "enterprises/octo-ent").
func (t *tenant) scopePath() string {
	if t.kind == KindEnterprise {
		return "enterprises/" + t.enterprise.slug
	}
	return t.name()
}

// tenantByScope finds the tenant of a parsed config URL scope. Callers hold s.mu.
func (s *store) tenantByScope(kind, name string) (*tenant, bool) {
	switch kind {
	case KindOrganization:
		if o, ok := s.orgs[strings.ToLower(name)]; ok {
			return o.tenant, true
		}
	case KindRepository:
		if r, ok := s.reposByName[strings.ToLower(name)]; ok {
			return r.tenant, true
		}
	case KindEnterprise:
		if e, ok := s.enterprises[strings.ToLower(name)]; ok {
			return e.tenant, true
		}
	}
	return nil, false
}

// sortedTenants lists every tenant in creation order. Callers hold s.mu.
func (s *store) sortedTenants() []*tenant {
	out := make([]*tenant, 0, len(s.tenants))
	for _, t := range s.tenants {
		out = append(out, t)
	}
	sort.Slice(out, func(i, j int) bool { return tenantNumber(out[i].id) < tenantNumber(out[j].id) })
	return out
}

func tenantNumber(id string) int {
	n, _ := strconv.Atoi(strings.TrimPrefix(id, "t-"))
	return n
}

func dedupTenants(ts []*tenant) []*tenant {
	seen := map[string]bool{}
	out := ts[:0]
	for _, t := range ts {
		if !seen[t.id] {
			seen[t.id] = true
			out = append(out, t)
		}
	}
	return out
}

func lowerAll(in []string) []string {
	out := make([]string, len(in))
	for i, v := range in {
		out[i] = strings.ToLower(v)
	}
	return out
}

// parseRSAPublicKey reads an RSA public key from PEM: PKIX or PKCS#1 public keys, or a
// PKCS#1 or PKCS#8 private key (handy in tests, which hold only the private key).
func parseRSAPublicKey(pemText string) (*rsa.PublicKey, error) {
	block, _ := pem.Decode([]byte(pemText))
	if block == nil {
		return nil, fmt.Errorf("no PEM block")
	}
	if k, err := x509.ParsePKIXPublicKey(block.Bytes); err == nil {
		if rk, ok := k.(*rsa.PublicKey); ok {
			return rk, nil
		}
		return nil, fmt.Errorf("not an RSA key")
	}
	if k, err := x509.ParsePKCS1PublicKey(block.Bytes); err == nil {
		return k, nil
	}
	if k, err := x509.ParsePKCS1PrivateKey(block.Bytes); err == nil {
		return &k.PublicKey, nil
	}
	if k, err := x509.ParsePKCS8PrivateKey(block.Bytes); err == nil {
		if rk, ok := k.(*rsa.PrivateKey); ok {
			return &rk.PublicKey, nil
		}
		return nil, fmt.Errorf("not an RSA key")
	}
	return nil, fmt.Errorf("unsupported PEM block %q", block.Type)
}

// newToken returns prefix followed by n random letters and digits.
func newToken(prefix string, n int) (string, error) {
	buf := make([]byte, n)
	if _, err := rand.Read(buf); err != nil {
		return "", fmt.Errorf("%s: %w", errGenerateToken, err)
	}
	for i, b := range buf {
		buf[i] = tokenAlphabet[int(b)%len(tokenAlphabet)]
	}
	return prefix + string(buf), nil
}
