// Command crossplane-world runs Crossplane on the local cluster until it is stopped
// (SIGTERM or SIGINT): the package registry, Crossplane core and its RBAC manager, as
// package cluster/crossplane describes. cluster/crossplane-up.sh starts it in the
// background and cluster/down.sh stops it.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"syscall"

	"github.com/arc-crossplane/provider-github-arc/cluster/crossplane"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "crossplane-world:", err)
		os.Exit(1)
	}
}

func run() error {
	var o crossplane.Options
	flag.StringVar(&o.Dir, "dir", "", "the world's folder (registry address, hosts file, TLS files, logs)")
	flag.StringVar(&o.Kubeconfig, "kubeconfig", os.Getenv("KUBECONFIG"), "the cluster's admin kubeconfig")
	flag.StringVar(&o.Core, "core", "", "the Crossplane binary, stamped with its version")
	flag.StringVar(&o.CoreModule, "core-module", "", "folder of the github.com/crossplane/crossplane/v2 module (CRDs, webhook configurations)")
	flag.StringVar(&o.ImagePrefix, "image-prefix", "ghcr.io/arc-crossplane", "package prefix the registry mirrors")
	flag.Parse()
	o.Log = os.Stderr

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ready := filepath.Join(o.Dir, crossplane.FileReady)
	_ = os.Remove(ready)
	if err := os.MkdirAll(o.Dir, 0o700); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(o.Dir, crossplane.FilePID), []byte(strconv.Itoa(os.Getpid())+"\n"), 0o600); err != nil {
		return err
	}
	w, err := crossplane.Start(ctx, o)
	if err != nil {
		return err
	}
	defer w.Close()
	defer os.Remove(ready) //nolint:errcheck // gone with the world
	if err := os.WriteFile(ready, nil, 0o600); err != nil {
		return err
	}
	select {
	case <-ctx.Done():
		fmt.Fprintln(os.Stderr, "[crossplane] stopping")
		return nil
	case err := <-w.Exited():
		return errors.Join(errors.New("a Crossplane process ended on its own"), err)
	}
}
