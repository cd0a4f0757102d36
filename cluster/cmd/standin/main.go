// Command standin plays the processes of listener and runner pods in the
// local kwok cluster, which runs no container: see package cluster/standin.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/go-logr/logr"
	"github.com/go-logr/logr/funcr"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/arc-crossplane/provider-github-arc/cluster/standin"
	"github.com/arc-crossplane/provider-github-arc/internal/simulator/simclient"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "standin:", err)
		os.Exit(1)
	}
}

func run() error {
	kubeconfig := flag.String("kubeconfig", os.Getenv("KUBECONFIG"), "kubeconfig of the cluster")
	namespace := flag.String("namespace", "", "namespace to play pods in; all when empty")
	simURL := flag.String("simulator-url", "", "base URL of the simulator, https://127.0.0.1:PORT")
	simCA := flag.String("simulator-ca", "", "file with the simulator's CA certificate (PEM)")
	listener := flag.String("listener-binary", "", "listener executable to run for listener pods; none when empty")
	jobWait := flag.Duration("runner-job-wait", 0, "how long a runner waits for a job; the simulator's maximum when 0")
	verbose := flag.Bool("v", false, "log every runner")
	flag.Parse()

	cfg, err := clientcmd.BuildConfigFromFlags("", *kubeconfig)
	if err != nil {
		return fmt.Errorf("kubeconfig: %w", err)
	}
	cfg.QPS, cfg.Burst = 200, 400
	ca, err := os.ReadFile(*simCA)
	if err != nil {
		return fmt.Errorf("simulator CA: %w", err)
	}
	sim, err := simclient.New(*simURL, ca)
	if err != nil {
		return fmt.Errorf("simulator client: %w", err)
	}
	verbosity := 0
	if *verbose {
		verbosity = 1
	}
	log := funcr.New(func(prefix, args string) { fmt.Fprintln(os.Stderr, time.Now().Format(time.TimeOnly), prefix, args) }, funcr.Options{Verbosity: verbosity})

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	s, err := standin.Start(ctx, standin.Options{
		Config: cfg, Namespace: *namespace, Simulator: sim, ListenerBinary: *listener, RunnerJobWait: *jobWait, Log: logr.Logger(log),
	})
	if err != nil {
		return err
	}
	log.Info("stand-in running", "namespace", *namespace, "listenerBinary", *listener)
	<-ctx.Done()
	s.Wait()
	return nil
}
