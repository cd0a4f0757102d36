package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"time"
)

const errProfile = "cannot profile the provider"

// freeLoopbackAddr returns a loopback address with a port free at the moment.
func freeLoopbackAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// profileProvider takes a CPU profile of the provider for d from its pprof
// endpoint, writes it to dir/provider-burst.cpu.pprof and the top functions (go
// tool pprof -top) to dir/provider-burst.top.txt.
func profileProvider(ctx context.Context, addr, dir string, d time.Duration) error {
	url := fmt.Sprintf("http://%s/debug/pprof/profile?seconds=%d", addr, int(d.Seconds()))
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return fmt.Errorf("%s: %w", errProfile, err)
	}
	resp, err := (&http.Client{Timeout: d + time.Minute}).Do(req)
	if err != nil {
		return fmt.Errorf("%s: %w", errProfile, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: %s", errProfile, resp.Status)
	}
	path := filepath.Join(dir, "provider-burst.cpu.pprof")
	f, err := os.Create(path) //nolint:gosec // the bench output folder
	if err != nil {
		return fmt.Errorf("%s: %w", errProfile, err)
	}
	if _, err := io.Copy(f, resp.Body); err != nil {
		_ = f.Close()
		return fmt.Errorf("%s: %w", errProfile, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("%s: %w", errProfile, err)
	}
	top, err := exec.CommandContext(ctx, "go", "tool", "pprof", "-top", "-nodecount=30", path).CombinedOutput() //nolint:gosec // our own file
	if err != nil {
		return fmt.Errorf("%s: go tool pprof: %w: %s", errProfile, err, top)
	}
	return os.WriteFile(filepath.Join(dir, "provider-burst.top.txt"), top, 0o644) //nolint:gosec // a docs file
}
