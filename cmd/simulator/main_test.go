package main

import (
	"bufio"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/arc-crossplane/provider-github-arc/internal/simulator/simclient"
)

const testConfig = `
seed: 3
setup:
  orgs:
    - login: acme
      repositories:
        - name: app
  pats:
    - token: ghp_acme
      orgs: [acme]
faults:
  errorRate: 0.25
  installationTokenTTL: 10m
`

// TestRun starts the command with a YAML config and flags, reads where it listens from
// its output, checks the config and the flags took effect, and stops it.
func TestRun(t *testing.T) {
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "sim.yaml")
	if err := os.WriteFile(cfgPath, []byte(testConfig), 0o600); err != nil {
		t.Fatal(err)
	}
	caPath := filepath.Join(dir, "ca.pem")

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	outR, outW := io.Pipe()
	done := make(chan error, 1)
	go func() {
		err := run(ctx, []string{"--config", cfgPath, "--ca-file", caPath, "--latency", "5ms"}, outW, io.Discard)
		_ = outW.Close()
		done <- err
	}()

	lines := map[string]string{}
	var tenants []string
	sc := bufio.NewScanner(outR)
	for len(tenants) < 2 && sc.Scan() {
		line := sc.Text()
		if rest, ok := strings.CutPrefix(line, "TENANT "); ok {
			tenants = append(tenants, rest)
			continue
		}
		if k, v, ok := strings.Cut(line, "="); ok {
			lines[k] = v
		}
	}
	go func() { _, _ = io.Copy(io.Discard, outR) }()
	if lines["CA_FILE"] != caPath || !strings.HasPrefix(lines["URL"], "https://127.0.0.1:") || lines["API_URL"] != lines["URL"]+"/api/v3/" {
		t.Fatalf("output %v", lines)
	}
	if len(tenants) != 2 || !strings.HasPrefix(tenants[0], "t-1 organization acme ") || !strings.HasPrefix(tenants[1], "t-2 repository acme/app ") {
		t.Errorf("tenants %q", tenants)
	}

	caPEM, err := os.ReadFile(caPath)
	if err != nil {
		t.Fatalf("read CA: %v", err)
	}
	c, err := simclient.New(lines["URL"], caPEM)
	if err != nil {
		t.Fatalf("client: %v", err)
	}
	f, err := c.Faults(ctx)
	if err != nil {
		t.Fatalf("faults: %v", err)
	}
	if f.ErrorRate != 0.25 || f.InstallationTokenTTL != simclient.Duration(10*time.Minute) || f.Latency != simclient.Duration(5*time.Millisecond) {
		t.Errorf("faults %+v: want the config's error rate and TTL and the flag's latency", f)
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("run: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("run did not stop after its context ended")
	}
}

// TestRunRejectsBadInput: unknown config fields and invalid faults stop the command
// with an error instead of running a simulator the user did not ask for.
func TestRunRejectsBadInput(t *testing.T) {
	cases := map[string]struct {
		reason string
		config string
		args   []string
	}{
		"UnknownField": {reason: "Typos in the config are errors.", config: "setup:\n  orgz: []\n"},
		"BadFault":     {reason: "Fault rates above 1 are errors.", config: "faults:\n  errorRate: 3\n"},
		"BadFlag":      {reason: "Unknown flags are errors.", args: []string{"--nope"}},
		"MissingFile":  {reason: "A missing config file is an error.", args: []string{"--config", "/nonexistent/sim.yaml"}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			args := tc.args
			if tc.config != "" {
				p := filepath.Join(t.TempDir(), "c.yaml")
				if err := os.WriteFile(p, []byte(tc.config), 0o600); err != nil {
					t.Fatal(err)
				}
				args = []string{"--config", p}
			}
			ctx, cancel := context.WithCancel(context.Background())
			cancel() // a run that wrongly starts returns at once instead of hanging
			if err := run(ctx, append(args, "--ca-file", filepath.Join(t.TempDir(), "ca.pem")), io.Discard, io.Discard); err == nil {
				t.Errorf("%s: run succeeded", tc.reason)
			}
		})
	}
}
