// Package github is the provider's client of GitHub's REST API for runner groups,
// built on go-github with ghinstallation for GitHub App credentials (or a PAT). It
// works against github.com, GHES (/api/v3) and the project's simulator alike.
package github

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/bradleyfalzon/ghinstallation/v2"
	gh "github.com/google/go-github/v90/github"
)

const (
	errNoScope        = "exactly one of organization and enterprise must be set"
	errNoCredentials  = "exactly one of a personal access token and GitHub App credentials must be set"
	errCABundle       = "CA bundle holds no PEM certificate"
	errBaseURL        = "invalid GitHub API base URL"
	errAppKey         = "cannot use the GitHub App private key"
	errNewClient      = "cannot create the GitHub client"
	errListGroups     = "cannot list runner groups"
	errGetGroup       = "cannot get runner group"
	errCreateGroup    = "cannot create runner group"
	errUpdateGroup    = "cannot update runner group"
	errDeleteGroup    = "cannot delete runner group"
	errListRepos      = "cannot list the runner group's repositories"
	errSetRepos       = "cannot set the runner group's repositories"
	errResolveRepos   = "cannot resolve repository names"
	errRepoEnterprise = "enterprise runner groups select organizations, not repositories"
	errRepoName       = "repository name must be NAME or OWNER/NAME"

	defaultTimeout = time.Minute // REST calls are small
	maxPerPage     = 100
)

// Config says where GitHub is, who the client acts as and on which scope.
type Config struct {
	// BaseURL is the REST API base: empty or https://api.github.com/ for github.com,
	// https://HOST/api/v3/ (or just https://HOST, which is completed) for GHES.
	BaseURL string
	// CABundle (PEM) is trusted in addition to the system roots.
	CABundle []byte

	// Organization or Enterprise names the scope whose runner groups are managed.
	Organization string
	Enterprise   string

	// PersonalAccessToken or App authenticates.
	PersonalAccessToken string
	App                 *AppCredentials

	// Timeout bounds each HTTP call; one minute by default.
	Timeout time.Duration
	// UserAgent overrides go-github's.
	UserAgent string
}

// AppCredentials are a GitHub App installation's.
type AppCredentials struct {
	AppID          int64
	InstallationID int64
	PrivateKeyPEM  []byte
}

// RunnerGroup is a runner group as the provider sees it.
type RunnerGroup struct {
	ID                       int64
	Name                     string
	Visibility               string
	Default                  bool
	Inherited                bool
	AllowsPublicRepositories bool
	RestrictedToWorkflows    bool
	SelectedWorkflows        []string
}

// RunnerGroupParameters are the settable fields. On update, zero values (empty
// strings, nil pointers and slices) leave a field unchanged; SelectedRepositoryIDs is
// used on create only (use SetSelectedRepositories afterwards).
type RunnerGroupParameters struct {
	Name                     string
	Visibility               string
	AllowsPublicRepositories *bool
	RestrictedToWorkflows    *bool
	SelectedWorkflows        []string
	SelectedRepositoryIDs    []int64
}

// Repository identifies a repository.
type Repository struct {
	ID       int64
	Name     string
	FullName string
	Private  bool
}

// RunnerGroupClient manages the runner groups of one organization or enterprise.
// Controllers depend on this interface so tests can fake it.
type RunnerGroupClient interface {
	ListRunnerGroups(ctx context.Context) ([]RunnerGroup, error)
	GetRunnerGroup(ctx context.Context, id int64) (*RunnerGroup, error)
	// GetRunnerGroupByName matches names case-insensitively, as GitHub does; an
	// absent group is an error for which IsNotFound is true.
	GetRunnerGroupByName(ctx context.Context, name string) (*RunnerGroup, error)
	CreateRunnerGroup(ctx context.Context, p RunnerGroupParameters) (*RunnerGroup, error)
	UpdateRunnerGroup(ctx context.Context, id int64, p RunnerGroupParameters) (*RunnerGroup, error)
	DeleteRunnerGroup(ctx context.Context, id int64) error
	ListSelectedRepositories(ctx context.Context, groupID int64) ([]Repository, error)
	SetSelectedRepositories(ctx context.Context, groupID int64, repositoryIDs []int64) error
	// ResolveRepositoryIDs maps repository names ("NAME" within the organization, or
	// "OWNER/NAME") to ids; any name that does not resolve makes an IsNotFound error.
	ResolveRepositoryIDs(ctx context.Context, names []string) (map[string]int64, error)
}

// Client implements RunnerGroupClient with go-github.
type Client struct {
	gh           *gh.Client
	organization string
	enterprise   string
}

var _ RunnerGroupClient = (*Client)(nil)

// New returns a Client for cfg.
func New(cfg Config) (*Client, error) {
	if (cfg.Organization == "") == (cfg.Enterprise == "") {
		return nil, errors.New(errNoScope)
	}
	if (cfg.PersonalAccessToken == "") == (cfg.App == nil) {
		return nil, errors.New(errNoCredentials)
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	if len(cfg.CABundle) > 0 {
		pool, err := x509.SystemCertPool()
		if err != nil || pool == nil {
			pool = x509.NewCertPool()
		}
		if !pool.AppendCertsFromPEM(cfg.CABundle) {
			return nil, errors.New(errCABundle)
		}
		tr.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	}

	opts, err := baseURLOptions(cfg.BaseURL)
	if err != nil {
		return nil, err
	}
	timeout := cfg.Timeout
	if timeout == 0 {
		timeout = defaultTimeout
	}
	opts = append(opts, gh.WithTimeout(timeout))
	if cfg.UserAgent != "" {
		opts = append(opts, gh.WithUserAgent(cfg.UserAgent))
	}
	if cfg.PersonalAccessToken != "" {
		opts = append(opts, gh.WithHTTPClient(&http.Client{Transport: tr}), gh.WithAuthToken(cfg.PersonalAccessToken))
	}
	c, err := gh.NewClient(opts...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", errNewClient, err)
	}
	if cfg.App != nil {
		itr, err := ghinstallation.New(tr, cfg.App.AppID, cfg.App.InstallationID, cfg.App.PrivateKeyPEM)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", errAppKey, err)
		}
		// ghinstallation wants the API base without a trailing slash.
		itr.BaseURL = strings.TrimSuffix(c.BaseURL(), "/")
		opts = append(opts, gh.WithHTTPClient(&http.Client{Transport: itr}))
		if c, err = gh.NewClient(opts...); err != nil {
			return nil, fmt.Errorf("%s: %w", errNewClient, err)
		}
	}
	return &Client{gh: c, organization: cfg.Organization, enterprise: cfg.Enterprise}, nil
}

// baseURLOptions turns a configured base into go-github's URL options: none for
// github.com (go-github's default), enterprise URLs otherwise.
func baseURLOptions(base string) ([]gh.ClientOptionsFunc, error) {
	if base == "" {
		return nil, nil
	}
	u, err := url.Parse(base)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return nil, fmt.Errorf("%s: %q", errBaseURL, base)
	}
	switch strings.ToLower(u.Host) {
	case "github.com", "www.github.com", "api.github.com":
		return nil, nil
	}
	if !strings.HasSuffix(base, "/") {
		base += "/"
	}
	// go-github completes a GHES host with /api/v3/ unless the host is api.*.
	return []gh.ClientOptionsFunc{gh.WithEnterpriseURLs(base, base)}, nil
}

func fromGitHub(g *gh.RunnerGroup) *RunnerGroup {
	return &RunnerGroup{
		ID: g.GetID(), Name: g.GetName(), Visibility: g.GetVisibility(), Default: g.GetDefault(), Inherited: g.GetInherited(),
		AllowsPublicRepositories: g.GetAllowsPublicRepositories(), RestrictedToWorkflows: g.GetRestrictedToWorkflows(),
		SelectedWorkflows: append([]string(nil), g.SelectedWorkflows...),
	}
}

func fromGitHubEnterprise(g *gh.EnterpriseRunnerGroup) *RunnerGroup {
	return &RunnerGroup{
		ID: g.GetID(), Name: g.GetName(), Visibility: g.GetVisibility(), Default: g.GetDefault(), Inherited: g.GetInherited(),
		AllowsPublicRepositories: g.GetAllowsPublicRepositories(), RestrictedToWorkflows: g.GetRestrictedToWorkflows(),
		SelectedWorkflows: append([]string(nil), g.SelectedWorkflows...),
	}
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
