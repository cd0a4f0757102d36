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
	"strconv"
	"time"

	"k8s.io/client-go/kubernetes"
)

const errProfile = "cannot profile"

// freeLoopbackAddr returns a loopback address with a port free at the moment.
func freeLoopbackAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// profileFetch returns a CPU profile of d, read from the stream it opens.
type profileFetch func(ctx context.Context, d time.Duration) (io.ReadCloser, error)

// providerProfile reads the provider's pprof endpoint at addr.
func providerProfile(addr string) profileFetch {
	return func(ctx context.Context, d time.Duration) (io.ReadCloser, error) {
		url := fmt.Sprintf("http://%s/debug/pprof/profile?seconds=%d", addr, int(d.Seconds()))
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return nil, err
		}
		resp, err := (&http.Client{Timeout: d + time.Minute}).Do(req)
		if err != nil {
			return nil, err
		}
		if resp.StatusCode != http.StatusOK {
			_ = resp.Body.Close()
			return nil, fmt.Errorf("%s", resp.Status)
		}
		return resp.Body, nil
	}
}

// apiServerProfile reads the API server's own pprof endpoint (its profiling
// is on by default), through the bench's client.
func apiServerProfile(kube kubernetes.Interface) profileFetch {
	return func(ctx context.Context, d time.Duration) (io.ReadCloser, error) {
		return kube.CoreV1().RESTClient().Get().AbsPath("/debug/pprof/profile").
			Param("seconds", strconv.Itoa(int(d.Seconds()))).Timeout(d + time.Minute).Stream(ctx)
	}
}

// profile takes a CPU profile of d with fetch, writes it to
// dir/<name>-burst.cpu.pprof and the top functions (go tool pprof -top) to
// dir/<name>-burst.top.txt, whose path it returns.
func profile(ctx context.Context, name string, fetch profileFetch, dir string, d time.Duration) (string, error) {
	body, err := fetch(ctx, d)
	if err != nil {
		return "", fmt.Errorf("%s %s: %w", errProfile, name, err)
	}
	defer body.Close()
	path := filepath.Join(dir, name+"-burst.cpu.pprof")
	f, err := os.Create(path) //nolint:gosec // the bench output folder
	if err != nil {
		return "", fmt.Errorf("%s %s: %w", errProfile, name, err)
	}
	if _, err := io.Copy(f, body); err != nil {
		_ = f.Close()
		return "", fmt.Errorf("%s %s: %w", errProfile, name, err)
	}
	if err := f.Close(); err != nil {
		return "", fmt.Errorf("%s %s: %w", errProfile, name, err)
	}
	top, err := exec.CommandContext(ctx, "go", "tool", "pprof", "-top", "-nodecount=30", path).CombinedOutput() //nolint:gosec // our own file
	if err != nil {
		return "", fmt.Errorf("%s %s: go tool pprof: %w: %s", errProfile, name, err, top)
	}
	topPath := filepath.Join(dir, name+"-burst.top.txt")
	return topPath, os.WriteFile(topPath, top, 0o644) //nolint:gosec // a docs file
}
