// Command simulator runs the GitHub simulator (REST API and Actions Service) on its own,
// for `make run`, the benchmarks and manual exploration. It prints the URL and the path
// of the CA certificate clients must trust, and stops on SIGINT or SIGTERM.
//
//	simulator --listen 127.0.0.1:8443 --config sim.yaml --ca-file /tmp/sim-ca.pem
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/go-logr/logr/funcr"
	"sigs.k8s.io/yaml"

	"github.com/arc-crossplane/provider-github-arc/internal/simulator"
)

const (
	errFlags      = "invalid arguments"
	errReadConfig = "cannot read the config file"
	errParseConf  = "cannot parse the config file"
	errCAFile     = "cannot create the CA file"
	errStart      = "cannot start the simulator"
)

// Config is the --config file, YAML or JSON. Flags given on the command line win over it.
type Config struct {
	Listen string           `json:"listen,omitempty"`
	CAFile string           `json:"caFile,omitempty"`
	Seed   uint64           `json:"seed,omitempty"`
	Setup  simulator.Setup  `json:"setup,omitempty"`
	Faults simulator.Faults `json:"faults,omitempty"`
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "simulator:", err)
		os.Exit(1)
	}
}

// run starts the simulator as args say, prints where it is, and serves until ctx ends.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("simulator", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		listen          = fs.String("listen", "127.0.0.1:0", "listen address")
		caFile          = fs.String("ca-file", "", "where to write the CA certificate (PEM); a temporary file by default")
		configFile      = fs.String("config", "", "YAML or JSON file with setup (tenants, PATs, apps) and faults")
		seed            = fs.Uint64("seed", 0, "seed of the fault-injection RNG")
		longPoll        = fs.Duration("long-poll-timeout", 0, "how long a message poll waits before 202 (default 50s)")
		errorRate       = fs.Float64("error-rate", 0, "share (0..1) of GitHub calls answered with a 5xx")
		resetRate       = fs.Float64("reset-rate", 0, "share (0..1) of GitHub calls whose connection is reset")
		latency         = fs.Duration("latency", 0, "latency added to every GitHub call")
		rateLimit       = fs.Int("rate-limit", 0, "primary rate limit per credential and hour (default 5000)")
		rateLimitStatus = fs.Int("rate-limit-status", 0, "status of rate-limit refusals: 403 (default) or 429")
		installationTTL = fs.Duration("installation-token-ttl", 0, "installation token lifetime (default 1h)")
		adminTTL        = fs.Duration("admin-token-ttl", 0, "Actions admin token lifetime (default 1h)")
		verbose         = fs.Bool("v", false, "log every simulator event")
	)
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("%s: %w", errFlags, err)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%s: unexpected %q", errFlags, fs.Args())
	}

	var cfg Config
	if *configFile != "" {
		raw, err := os.ReadFile(*configFile)
		if err != nil {
			return fmt.Errorf("%s: %w", errReadConfig, err)
		}
		if err := yaml.UnmarshalStrict(raw, &cfg); err != nil {
			return fmt.Errorf("%s: %w", errParseConf, err)
		}
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	override := func(name string, apply func()) {
		if set[name] {
			apply()
		}
	}
	if cfg.Listen == "" || set["listen"] {
		cfg.Listen = *listen
	}
	override("ca-file", func() { cfg.CAFile = *caFile })
	override("seed", func() { cfg.Seed = *seed })
	override("long-poll-timeout", func() { cfg.Faults.LongPollTimeout = simulator.Duration(*longPoll) })
	override("error-rate", func() { cfg.Faults.ErrorRate = *errorRate })
	override("reset-rate", func() { cfg.Faults.ResetRate = *resetRate })
	override("latency", func() { cfg.Faults.Latency = simulator.Duration(*latency) })
	override("rate-limit", func() { cfg.Faults.RateLimitPerHour = *rateLimit })
	override("rate-limit-status", func() { cfg.Faults.RateLimitStatus = *rateLimitStatus })
	override("installation-token-ttl", func() { cfg.Faults.InstallationTokenTTL = simulator.Duration(*installationTTL) })
	override("admin-token-ttl", func() { cfg.Faults.AdminTokenTTL = simulator.Duration(*adminTTL) })

	if cfg.CAFile == "" {
		dir, err := os.MkdirTemp("", "github-simulator-")
		if err != nil {
			return fmt.Errorf("%s: %w", errCAFile, err)
		}
		cfg.CAFile = filepath.Join(dir, "ca.pem")
	}

	verbosity := 0
	if *verbose {
		verbosity = 1
	}
	log := funcr.New(func(prefix, args string) {
		fmt.Fprintln(stderr, time.Now().UTC().Format(time.RFC3339), prefix, args)
	}, funcr.Options{Verbosity: verbosity})

	srv, err := simulator.Start(ctx, simulator.Options{
		Addr: cfg.Listen, CAFile: cfg.CAFile, Seed: cfg.Seed, Faults: cfg.Faults, Setup: cfg.Setup,
		Log: log,
	})
	if err != nil {
		return fmt.Errorf("%s: %w", errStart, err)
	}
	fmt.Fprintf(stdout, "URL=%s\n", srv.URL)
	fmt.Fprintf(stdout, "API_URL=%s\n", srv.APIURL())
	fmt.Fprintf(stdout, "CA_FILE=%s\n", cfg.CAFile)
	for _, t := range srv.Tenants() {
		fmt.Fprintf(stdout, "TENANT %s %s %s %s\n", t.ID, t.Kind, t.Name, t.ConfigURL)
	}

	<-ctx.Done()
	if err := srv.Close(); err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	return nil
}
