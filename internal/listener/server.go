package listener

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/go-logr/logr"
)

const (
	errListenMetrics = "cannot listen for metrics"
	errListenHealth  = "cannot listen for health checks"

	shutdownTimeout   = 5 * time.Second
	readHeaderTimeout = 10 * time.Second
)

// Servers are the listener's HTTP endpoints: /metrics on one address and
// /healthz and /readyz on another.
type Servers struct {
	// MetricsAddr and HealthAddr are the bound addresses (with the real port
	// when ":0" was asked for).
	MetricsAddr, HealthAddr string

	metrics, health *http.Server
	lnMetrics       net.Listener
	lnHealth        net.Listener
	log             logr.Logger
}

// NewServers binds metricsAddr and healthAddr. /readyz answers 200 while
// ready() holds (the listener holds a session), /healthz while the process
// serves.
func NewServers(metricsAddr, healthAddr string, m *Metrics, ready func() bool, log logr.Logger) (*Servers, error) {
	lnMetrics, err := net.Listen("tcp", metricsAddr)
	if err != nil {
		return nil, fmt.Errorf("%s on %s: %w", errListenMetrics, metricsAddr, err)
	}
	lnHealth, err := net.Listen("tcp", healthAddr)
	if err != nil {
		_ = lnMetrics.Close()
		return nil, fmt.Errorf("%s on %s: %w", errListenHealth, healthAddr, err)
	}
	metricsMux := http.NewServeMux()
	metricsMux.Handle("GET /metrics", m.Handler())
	healthMux := http.NewServeMux()
	healthMux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write([]byte("ok\n"))
	})
	healthMux.HandleFunc("GET /readyz", func(w http.ResponseWriter, _ *http.Request) {
		if !ready() {
			http.Error(w, "no message session", http.StatusServiceUnavailable)
			return
		}
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write([]byte("ok\n"))
	})
	return &Servers{
		MetricsAddr: lnMetrics.Addr().String(),
		HealthAddr:  lnHealth.Addr().String(),
		metrics:     &http.Server{Handler: metricsMux, ReadHeaderTimeout: readHeaderTimeout},
		health:      &http.Server{Handler: healthMux, ReadHeaderTimeout: readHeaderTimeout},
		lnMetrics:   lnMetrics,
		lnHealth:    lnHealth,
		log:         log,
	}, nil
}

// Serve serves both endpoints until ctx ends.
func (s *Servers) Serve(ctx context.Context) {
	serve := func(name string, srv *http.Server, ln net.Listener) {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Error(err, "HTTP server stopped", "server", name)
		}
	}
	go serve("metrics", s.metrics, s.lnMetrics)
	go serve("health", s.health, s.lnHealth)
	<-ctx.Done()
	shutdownCtx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	_ = s.metrics.Shutdown(shutdownCtx)
	_ = s.health.Shutdown(shutdownCtx)
}
