package listener

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"strings"
	"time"
)

// Defaults of the listener's HTTP endpoints.
const (
	DefaultMetricsAddr = ":8080"
	DefaultHealthAddr  = ":8081"
)

// Log levels a ListenerConfig accepts.
const (
	LogLevelInfo  = "info"
	LogLevelDebug = "debug"
)

// ConfigFileKey is the key of config.json in the listener's config Secret.
const ConfigFileKey = "config.json"

// The environment of the listener's pod (contract 3): the AutoscalingListener
// controller sets it, cmd/listener reads it.
const (
	// EnvConfigPath is the path of config.json.
	EnvConfigPath = "LISTENER_CONFIG_PATH"
	// EnvPodName is the pod's name, the owner of its sessions.
	EnvPodName = "POD_NAME"
	// EnvPodNamespace is the pod's namespace.
	EnvPodNamespace = "POD_NAMESPACE"
)

// ListenerConfig is the listener's config.json (contract 3). The
// AutoscalingListener controller writes it into the Secret
// "<listener-name>-config", and cmd/listener reads it from
// LISTENER_CONFIG_PATH. It holds credentials: never log it.
type ListenerConfig struct { //nolint:revive // the contract names it so; callers write listener.ListenerConfig.
	// GitHubConfigURL is the scale set's GitHub config URL (org, repo or
	// enterprise).
	GitHubConfigURL string `json:"githubConfigURL"`
	// ScaleSetID is the Actions Service id of the runner scale set.
	ScaleSetID int64 `json:"scaleSetID"`
	// ScaleSetName is the scale set's name, for logs and metric labels.
	ScaleSetName string `json:"scaleSetName"`

	// EphemeralRunnerSetNamespace and EphemeralRunnerSetName name the set the
	// listener scales; its EphemeralRunners live in the same namespace.
	EphemeralRunnerSetNamespace string `json:"ephemeralRunnerSetNamespace"`
	EphemeralRunnerSetName      string `json:"ephemeralRunnerSetName"`

	// MinRunners and MaxRunners bound the replicas the listener asks for.
	MinRunners int `json:"minRunners"`
	MaxRunners int `json:"maxRunners"`

	// Token is a personal access token; set it or the App fields.
	Token string `json:"token,omitempty"`
	// AppID or ClientID names the GitHub App; InstallationID and PrivateKey
	// (PEM) complete its credentials.
	AppID          int64  `json:"appID,omitempty"`
	ClientID       string `json:"clientID,omitempty"`
	InstallationID int64  `json:"installationID,omitempty"`
	PrivateKey     string `json:"privateKey,omitempty"`
	// CABundle holds PEM roots to trust (GHES or the simulator).
	CABundle string `json:"caBundle,omitempty"`

	// MetricsAddr serves /metrics; HealthAddr serves /healthz and /readyz.
	MetricsAddr string `json:"metricsAddr,omitempty"`
	HealthAddr  string `json:"healthAddr,omitempty"`
	// LogLevel is "info" (default) or "debug".
	LogLevel string `json:"logLevel,omitempty"`
	// MessageBatchWindowMilliseconds is how long the listener waits after a
	// message before it polls again, so that the events of that time come
	// in one message; 0 polls at once. Unset takes
	// DefaultMessageBatchWindow.
	MessageBatchWindowMilliseconds *int `json:"messageBatchWindowMilliseconds,omitempty"`
}

// MaxMessageBatchWindowMilliseconds bounds the batch window: a longer one
// would hold back jobs more than it saves calls.
const MaxMessageBatchWindowMilliseconds = 5000

const (
	errReadConfig    = "cannot read listener config"
	errParseConfig   = "cannot parse listener config"
	errInvalidConf   = "invalid listener config"
	errNoConfigURL   = "githubConfigURL is empty"
	errNoScaleSetID  = "scaleSetID must be positive"
	errNoERSName     = "ephemeralRunnerSetName is empty"
	errNoERSNs       = "ephemeralRunnerSetNamespace is empty"
	errMinRunners    = "minRunners must not be negative"
	errMaxRunners    = "maxRunners must be between minRunners and 2147483647"
	errNoCreds       = "neither token nor App credentials (appID or clientID, installationID, privateKey) are set"
	errBothCreds     = "both token and App credentials are set"
	errAppIncomplete = "App credentials need appID or clientID, installationID and privateKey"
	errLogLevel      = "logLevel must be \"info\" or \"debug\""
	errSameAddr      = "metricsAddr and healthAddr must differ"
	errBatchWindow   = "messageBatchWindowMilliseconds must be between 0 and 5000"
)

// LoadConfig reads, defaults and validates the config file at path.
func LoadConfig(path string) (*ListenerConfig, error) {
	raw, err := os.ReadFile(path) //nolint:gosec // the path comes from the pod spec, not from a user.
	if err != nil {
		return nil, fmt.Errorf("%s: %w", errReadConfig, err)
	}
	return ParseConfig(raw)
}

// ParseConfig decodes, defaults and validates a config.json document.
func ParseConfig(raw []byte) (*ListenerConfig, error) {
	c := &ListenerConfig{}
	if err := json.Unmarshal(raw, c); err != nil {
		// The decoder's error may quote the document, which holds secrets;
		// keep only its position and kind.
		return nil, fmt.Errorf("%s: %s", errParseConfig, redactJSONError(err))
	}
	c.Default()
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return c, nil
}

// Default fills the optional fields left empty.
func (c *ListenerConfig) Default() {
	if c.MetricsAddr == "" {
		c.MetricsAddr = DefaultMetricsAddr
	}
	if c.HealthAddr == "" {
		c.HealthAddr = DefaultHealthAddr
	}
	if c.LogLevel == "" {
		c.LogLevel = LogLevelInfo
	}
	if c.MessageBatchWindowMilliseconds == nil {
		ms := int(DefaultMessageBatchWindow / time.Millisecond)
		c.MessageBatchWindowMilliseconds = &ms
	}
}

// MessageBatchWindow is the batch window the config asks for.
func (c *ListenerConfig) MessageBatchWindow() time.Duration {
	if c.MessageBatchWindowMilliseconds == nil {
		return DefaultMessageBatchWindow
	}
	return time.Duration(*c.MessageBatchWindowMilliseconds) * time.Millisecond
}

// Validate tells what is wrong with the config, naming every bad field.
func (c *ListenerConfig) Validate() error {
	var problems []string
	add := func(p string) { problems = append(problems, p) }
	if c.GitHubConfigURL == "" {
		add(errNoConfigURL)
	}
	if c.ScaleSetID <= 0 || c.ScaleSetID > math.MaxInt32 {
		add(errNoScaleSetID)
	}
	if c.EphemeralRunnerSetName == "" {
		add(errNoERSName)
	}
	if c.EphemeralRunnerSetNamespace == "" {
		add(errNoERSNs)
	}
	if c.MinRunners < 0 {
		add(errMinRunners)
	}
	if c.MaxRunners < c.MinRunners || c.MaxRunners > math.MaxInt32 {
		add(errMaxRunners)
	}
	hasApp := c.AppID != 0 || c.ClientID != "" || c.InstallationID != 0 || c.PrivateKey != ""
	switch {
	case c.Token == "" && !hasApp:
		add(errNoCreds)
	case c.Token != "" && hasApp:
		add(errBothCreds)
	case hasApp && ((c.AppID == 0 && c.ClientID == "") || c.InstallationID == 0 || c.PrivateKey == ""):
		add(errAppIncomplete)
	}
	if c.MetricsAddr != "" && c.MetricsAddr == c.HealthAddr && !strings.HasSuffix(c.MetricsAddr, ":0") {
		add(errSameAddr)
	}
	if w := c.MessageBatchWindowMilliseconds; w != nil && (*w < 0 || *w > MaxMessageBatchWindowMilliseconds) {
		add(errBatchWindow)
	}
	switch c.LogLevel {
	case "", LogLevelInfo, LogLevelDebug:
	default:
		add(errLogLevel)
	}
	if len(problems) > 0 {
		return fmt.Errorf("%s: %s", errInvalidConf, strings.Join(problems, "; "))
	}
	return nil
}

// IsApp tells whether the config authenticates as a GitHub App.
func (c *ListenerConfig) IsApp() bool { return c.Token == "" }

func redactJSONError(err error) string {
	var syntax *json.SyntaxError
	if errors.As(err, &syntax) {
		return fmt.Sprintf("invalid JSON at offset %d", syntax.Offset)
	}
	var typ *json.UnmarshalTypeError
	if errors.As(err, &typ) {
		return fmt.Sprintf("field %q must be a %s, not a JSON %s", typ.Field, typ.Type, typ.Value)
	}
	return "invalid JSON document"
}
