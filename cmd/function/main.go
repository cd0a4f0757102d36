/*
Copyright 2026 The provider-github-arc Authors.

Licensed under the Apache License, Version 2.0 (the "License");
you may not use this file except in compliance with the License.
You may obtain a copy of the License at

    http://www.apache.org/licenses/LICENSE-2.0

Unless required by applicable law or agreed to in writing, software
distributed under the License is distributed on an "AS IS" BASIS,
WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
See the License for the specific language governing permissions and
limitations under the License.
*/

// Command function serves the composition function of AutoscalingRunnerSets
// (function-github-arc) over gRPC.
package main

import (
	"flag"
	"fmt"
	"os"

	sdk "github.com/crossplane/function-sdk-go"

	"github.com/arc-crossplane/provider-github-arc/internal/function"
)

const (
	errLogger = "cannot create the logger"
	errServe  = "cannot serve the function"
	errNoTLS  = "set --tls-server-certs-dir (or TLS_SERVER_CERTS_DIR), or --insecure to serve without TLS"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func run(args []string) error {
	fs := flag.NewFlagSet("function", flag.ContinueOnError)
	var (
		address = fs.String("address", ":9443", "Address to serve gRPC on.")
		// Crossplane mounts the function's server certificates and names
		// their folder in TLS_SERVER_CERTS_DIR.
		certsDir       = fs.String("tls-server-certs-dir", os.Getenv("TLS_SERVER_CERTS_DIR"), "Folder with the server's tls.crt, tls.key and the client CA ca.crt (mTLS).")
		insecure       = fs.Bool("insecure", false, "Serve without TLS, for `crossplane composition render` on a laptop. Never in a cluster.")
		metricsAddress = fs.String("metrics-address", ":8080", "Address to serve Prometheus metrics on; empty to turn them off.")
		debug          = fs.Bool("debug", false, "Log every render.")
	)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if !*insecure && *certsDir == "" {
		return fmt.Errorf("%s: %s", errServe, errNoTLS)
	}
	log, err := sdk.NewLogger(*debug)
	if err != nil {
		return fmt.Errorf("%s: %w", errLogger, err)
	}
	opts := []sdk.ServeOption{
		sdk.Listen("tcp", *address),
		sdk.WithMetricsServer(*metricsAddress),
		sdk.Insecure(*insecure),
	}
	if !*insecure {
		opts = append(opts, sdk.MTLSCertificates(*certsDir))
	}
	log.Info("Serving the function", "address", *address, "insecure", *insecure, "metricsAddress", *metricsAddress)
	if err := sdk.Serve(function.New(log), opts...); err != nil {
		return fmt.Errorf("%s: %w", errServe, err)
	}
	return nil
}
