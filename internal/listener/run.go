package listener

import (
	"context"
	"log/slog"
	"sync"

	"github.com/actions/scaleset"
	"github.com/go-logr/logr"

	"github.com/arc-crossplane/provider-github-arc/internal/clients/actions"
)

// SystemName is how the listener introduces itself to the Actions Service
// (the User-Agent document).
const SystemName = "provider-github-arc-listener"

// ActionsConfig is the Actions client configuration the listener config
// describes.
func (c *ListenerConfig) ActionsConfig(log logr.Logger) actions.Config {
	ac := actions.Config{
		ConfigURL:  c.GitHubConfigURL,
		CABundle:   []byte(c.CABundle),
		SystemInfo: scaleset.SystemInfo{System: SystemName, Subsystem: "listener", ScaleSetID: int(c.ScaleSetID)},
	}
	if log.GetSink() != nil {
		ac.Logger = slog.New(debugHandler{logr.ToSlogHandler(log.V(1))})
	}
	if c.IsApp() {
		ac.App = &actions.AppCredentials{
			ClientID: c.ClientID, AppID: c.AppID, InstallationID: c.InstallationID,
			PrivateKey: []byte(c.PrivateKey),
		}
	} else {
		ac.Token = c.Token
	}
	return ac
}

// debugHandler logs every record of the Actions library at debug verbosity:
// it reports each retried request and token refresh as an error, while the
// listener reports what matters (a poll that failed for good) itself.
type debugHandler struct{ slog.Handler }

func (h debugHandler) Handle(ctx context.Context, r slog.Record) error {
	if r.Level > slog.LevelInfo {
		r.AddAttrs(slog.String("libraryLevel", r.Level.String()))
		r.Level = slog.LevelInfo
	}
	return h.Handler.Handle(ctx, r)
}

func (h debugHandler) Enabled(ctx context.Context, _ slog.Level) bool {
	return h.Handler.Enabled(ctx, slog.LevelInfo)
}

func (h debugHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return debugHandler{h.Handler.WithAttrs(attrs)}
}

func (h debugHandler) WithGroup(name string) slog.Handler {
	return debugHandler{h.Handler.WithGroup(name)}
}

// NewFromConfig builds the Listener a listener pod runs: sessions owned by
// owner (the pod's name) through an Actions client built from cfg, and
// Kubernetes access through kube. tune, when given, adjusts the options
// (tests shorten the backoff).
func NewFromConfig(cfg *ListenerConfig, owner string, kube Kube, log logr.Logger, tune ...func(*Options)) (*Listener, *Metrics, error) {
	metrics := NewMetrics(ScaleSetLabelsFor(cfg.ScaleSetName, cfg.EphemeralRunnerSetNamespace, cfg.GitHubConfigURL))
	ac := cfg.ActionsConfig(log.WithName("actions"))
	opener := NewActionsSessionOpener(func() (*actions.ScalesetClient, error) { return actions.New(ac) }, int(cfg.ScaleSetID), owner)
	o := Options{
		MinRunners: cfg.MinRunners,
		MaxRunners: cfg.MaxRunners,
		Sessions:   opener,
		Kube:       kube,
		Metrics:    metrics,
		Log:        log,

		MessageBatchWindow: cfg.MessageBatchWindow(),
	}
	for _, t := range tune {
		t(&o)
	}
	l, err := New(o)
	if err != nil {
		return nil, nil, err
	}
	return l, metrics, nil
}

// Serve runs the listener and its HTTP endpoints until ctx ends, then deletes
// the session and stops the endpoints.
func Serve(ctx context.Context, l *Listener, servers *Servers) error {
	var wg sync.WaitGroup
	serveCtx, stopServers := context.WithCancel(context.WithoutCancel(ctx))
	wg.Go(func() { servers.Serve(serveCtx) })
	err := l.Run(ctx)
	// The endpoints outlive the session's deletion, so a probe during
	// shutdown sees "not ready" rather than a refused connection.
	stopServers()
	wg.Wait()
	return err
}
