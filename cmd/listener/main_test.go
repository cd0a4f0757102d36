package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/arc-crossplane/provider-github-arc/internal/listener"
)

// The process refuses to start without its environment or with a bad config,
// saying which, and never echoes the config's secrets. Its normal life
// (sessions, SIGKILL and restart) is tested in internal/listener/integration.
func TestRunRefusesBadSetup(t *testing.T) {
	dir := t.TempDir()
	badConfig := filepath.Join(dir, "config.json")
	if err := os.WriteFile(badConfig, []byte(`{"token":"ghp_secret","scaleSetID":"x"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	cases := map[string]struct {
		reason  string
		env     map[string]string
		wantErr string
	}{
		"NoConfigPath": {
			reason:  "the config path is required",
			env:     map[string]string{listener.EnvPodName: "pod"},
			wantErr: listener.EnvConfigPath,
		},
		"NoPodName": {
			reason:  "the pod's name owns the session",
			env:     map[string]string{listener.EnvConfigPath: badConfig},
			wantErr: listener.EnvPodName,
		},
		"MissingFile": {
			reason:  "an absent config file is named",
			env:     map[string]string{listener.EnvConfigPath: filepath.Join(dir, "absent.json"), listener.EnvPodName: "pod"},
			wantErr: "cannot read listener config",
		},
		"BadConfig": {
			reason:  "a malformed config is refused",
			env:     map[string]string{listener.EnvConfigPath: badConfig, listener.EnvPodName: "pod"},
			wantErr: "cannot parse listener config",
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			for _, k := range []string{listener.EnvConfigPath, listener.EnvPodName, listener.EnvPodNamespace} {
				t.Setenv(k, tc.env[k])
			}
			err := run(t.Context())
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("%s\nrun: want an error mentioning %q, got %v", tc.reason, tc.wantErr, err)
			}
			if strings.Contains(err.Error(), "ghp_secret") {
				t.Errorf("%s\nrun error leaks the token: %v", tc.reason, err)
			}
		})
	}
}

func TestOverrideAddrs(t *testing.T) {
	type addrs struct{ Metrics, Health string }
	cases := map[string]struct {
		reason string
		env    map[string]string
		want   addrs
	}{
		"None":       {reason: "without overrides the config's addresses stand", want: addrs{":8080", ":8081"}},
		"Both":       {reason: "both addresses can be moved", env: map[string]string{envMetricsAddr: "127.0.0.1:0", envHealthAddr: "127.0.0.1:0"}, want: addrs{"127.0.0.1:0", "127.0.0.1:0"}},
		"HealthOnly": {reason: "one override leaves the other address alone", env: map[string]string{envHealthAddr: ":9000"}, want: addrs{":8080", ":9000"}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			cfg := &listener.ListenerConfig{MetricsAddr: ":8080", HealthAddr: ":8081"}
			overrideAddrs(cfg, func(k string) string { return tc.env[k] })
			if diff := cmp.Diff(tc.want, addrs{cfg.MetricsAddr, cfg.HealthAddr}); diff != "" {
				t.Errorf("%s\naddresses: -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}
