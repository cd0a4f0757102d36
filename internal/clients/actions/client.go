// Package actions is the provider's client of the GitHub Actions Service (runner
// scale sets, JIT runners). It wraps github.com/actions/scaleset, GitHub's own
// client, without rewriting it: this package only builds the client from the
// provider's configuration, narrows it to what the controllers need behind an
// interface they can fake, and classifies its errors.
package actions

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/actions/scaleset"
)

// Client is what the controllers need from the Actions Service.
type Client interface {
	// GetRunnerGroupByName finds a runner group by name; IsNotFound when none.
	GetRunnerGroupByName(ctx context.Context, name string) (*RunnerGroup, error)
	// GetScaleSet finds a scale set by name within a runner group; IsNotFound
	// when none.
	GetScaleSet(ctx context.Context, runnerGroupID int, name string) (*ScaleSet, error)
	// GetScaleSetByID finds a scale set by id; IsNotFound when none.
	GetScaleSetByID(ctx context.Context, id int) (*ScaleSet, error)
	// CreateScaleSet creates a scale set; IsConflict when the name is taken in
	// the group.
	CreateScaleSet(ctx context.Context, spec ScaleSetSpec) (*ScaleSet, error)
	// UpdateScaleSet changes a scale set's name, group, labels or settings.
	UpdateScaleSet(ctx context.Context, id int, spec ScaleSetSpec) (*ScaleSet, error)
	// DeleteScaleSet deletes a scale set; IsConflict while its runners run jobs.
	DeleteScaleSet(ctx context.Context, id int) error
	// GenerateJITConfig registers a runner of the scale set and returns its JIT
	// config; IsRunnerExists when the name is taken.
	GenerateJITConfig(ctx context.Context, scaleSetID int, runnerName, workFolder string) (*JITConfig, error)
	// GetRunner finds a runner by id; IsNotFound when none.
	GetRunner(ctx context.Context, id int) (*Runner, error)
	// GetRunnerByName finds a runner by name; IsNotFound when none.
	GetRunnerByName(ctx context.Context, name string) (*Runner, error)
	// RemoveRunner removes a runner (no error when it is already gone);
	// IsJobStillRunning while it runs a job.
	RemoveRunner(ctx context.Context, id int64) error
}

// RunnerGroup is a runner group as the Actions Service reports it.
type RunnerGroup struct {
	ID        int
	Name      string
	IsDefault bool
}

// ScaleSetSpec is what the provider sets on a scale set. On update, zero fields
// are left unchanged; DisableUpdate can only be turned on by an update (the
// service ignores false there).
type ScaleSetSpec struct {
	Name          string
	RunnerGroupID int
	// Labels are label names; on create none means the scale set's name.
	Labels        []string
	DisableUpdate bool
}

// ScaleSet is a runner scale set.
type ScaleSet struct {
	ID              int
	Name            string
	RunnerGroupID   int
	RunnerGroupName string
	Labels          []string
	DisableUpdate   bool
	CreatedOn       time.Time
	// Statistics are the service's numbers when it sent them.
	Statistics *scaleset.RunnerScaleSetStatistic
}

// JITConfig is a registered runner and the config it starts with.
type JITConfig struct {
	Runner Runner
	// EncodedJITConfig is what the runner reads from
	// ACTIONS_RUNNER_INPUT_JITCONFIG. It is a credential.
	EncodedJITConfig string
}

// Runner is a runner of a scale set.
type Runner struct {
	ID         int
	Name       string
	ScaleSetID int
}

// Config says how to reach the Actions Service.
type Config struct {
	// ConfigURL is the GitHub config URL: https://HOST/ORG, https://HOST/ORG/REPO
	// or https://HOST/enterprises/ENT.
	ConfigURL string
	// App authenticates as a GitHub App installation; set it or Token.
	App *AppCredentials
	// Token is a personal access token.
	Token string
	// CABundle holds PEM certificates of the roots to trust (a GHES or
	// simulator CA); when set, they replace the system roots.
	CABundle []byte
	// Retry overrides the library's retry policy (4 retries, 30 s max wait).
	Retry *Retry
	// Timeout bounds one HTTP request (the library's default is 5 min).
	Timeout time.Duration
	// SystemInfo tells the service who calls (the User-Agent document).
	SystemInfo scaleset.SystemInfo
	// Logger receives the library's logs; nil discards them.
	Logger *slog.Logger
}

// AppCredentials are a GitHub App installation's credentials.
type AppCredentials struct {
	// ClientID or AppID names the app; the client ID wins when both are set.
	ClientID       string
	AppID          int64
	InstallationID int64
	// PrivateKey is the app's PEM private key.
	PrivateKey []byte
}

// Retry is the retry policy for 5xx, 429 and connection errors.
type Retry struct {
	// Max is the number of retries; 0 disables them.
	Max int
	// WaitMax caps the wait between retries; 0 keeps the library's.
	WaitMax time.Duration
}

const (
	errConfig       = "invalid Actions Service client configuration"
	errNewClient    = "cannot create Actions Service client"
	errCABundle     = "CA bundle holds no PEM certificate"
	errNoCredential = "neither App credentials nor a token are set"
	errTwoCreds     = "both App credentials and a token are set"
	errAppID        = "the App needs a client ID or an app ID"
)

// New returns a Client for cfg, built on scaleset.Client.
func New(cfg Config) (*ScalesetClient, error) {
	opts, err := cfg.httpOptions()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", errConfig, err)
	}
	var c *scaleset.Client
	switch {
	case cfg.App != nil && cfg.Token != "":
		return nil, fmt.Errorf("%s: %s", errConfig, errTwoCreds)
	case cfg.App != nil:
		clientID := cfg.App.ClientID
		if clientID == "" && cfg.App.AppID != 0 {
			// The library sends the value as the JWT issuer verbatim, and
			// GitHub accepts the app id there as well.
			clientID = strconv.FormatInt(cfg.App.AppID, 10)
		}
		if clientID == "" {
			return nil, fmt.Errorf("%s: %s", errConfig, errAppID)
		}
		c, err = scaleset.NewClientWithGitHubApp(scaleset.ClientWithGitHubAppConfig{
			GitHubConfigURL: cfg.ConfigURL,
			GitHubAppAuth: scaleset.GitHubAppAuth{
				ClientID:       clientID,
				InstallationID: cfg.App.InstallationID,
				PrivateKey:     string(cfg.App.PrivateKey),
			},
			SystemInfo: cfg.SystemInfo,
		}, opts...)
	case cfg.Token != "":
		c, err = scaleset.NewClientWithPersonalAccessToken(scaleset.NewClientWithPersonalAccessTokenConfig{
			GitHubConfigURL:     cfg.ConfigURL,
			PersonalAccessToken: cfg.Token,
			SystemInfo:          cfg.SystemInfo,
		}, opts...)
	default:
		return nil, fmt.Errorf("%s: %s", errConfig, errNoCredential)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", errNewClient, err)
	}
	return &ScalesetClient{client: c}, nil
}

func (cfg Config) httpOptions() ([]scaleset.HTTPOption, error) {
	var opts []scaleset.HTTPOption
	if len(cfg.CABundle) > 0 {
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(cfg.CABundle) {
			return nil, errors.New(errCABundle)
		}
		opts = append(opts, scaleset.WithRootCAs(pool))
	}
	if cfg.Retry != nil {
		opts = append(opts, scaleset.WithRetryMax(cfg.Retry.Max))
		if cfg.Retry.WaitMax > 0 {
			opts = append(opts, scaleset.WithRetryWaitMax(cfg.Retry.WaitMax))
		}
	}
	if cfg.Timeout > 0 {
		opts = append(opts, scaleset.WithTimeout(cfg.Timeout))
	}
	if cfg.Logger != nil {
		opts = append(opts, scaleset.WithLogger(cfg.Logger))
	}
	return opts, nil
}
