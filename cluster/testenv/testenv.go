// Package testenv gives integration tests a real Kubernetes control plane: the local
// cluster of cluster/ (etcd, kube-apiserver, kube-controller-manager, kube-scheduler and
// kwok), started or reused, with the project's CRDs installed. It is envtest's idea on a
// whole cluster: garbage collection, service-account tokens, RBAC and pod lifecycle are
// the real ones.
//
// A test package calls Main from TestMain and Get from its tests. When the cluster cannot
// be started, every test of the package fails with the reason: nothing is skipped.
package testenv

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	kruntime "k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// EnvKubeconfig names the variable that points tests at a running cluster (the Makefile
// sets it to what cluster-up printed). Without it the helper runs cluster/up.sh itself.
const EnvKubeconfig = "ARC_KUBECONFIG"

const (
	errStartCluster = "cannot start the local cluster"
	errKubeconfig   = "cannot load the cluster's kubeconfig"
	errClient       = "cannot create a client for the cluster"
	errInstallCRDs  = "cannot install the project's CRDs"
)

// Env is a running cluster with the project's CRDs installed.
type Env struct {
	// Kubeconfig is the path of the cluster's admin kubeconfig.
	Kubeconfig string
	// Config is the admin REST config. Its rate limits are lifted: the cluster is ours.
	Config *rest.Config
	// Scheme knows the built-in kinds, CRDs and the project's kinds.
	Scheme *kruntime.Scheme
	// Client is an admin client without a cache: what it reads is what the API server has.
	Client client.Client
}

// AddToSchemes lists what Env.Scheme is built from; a package whose tests need more kinds
// appends to it before Main runs.
var AddToSchemes = []func(*kruntime.Scheme) error{
	clientgoscheme.AddToScheme,
	apiextensionsv1.AddToScheme,
}

var (
	env    *Env
	envErr error
)

// Main starts the environment and runs the tests of m. Use it as
//
//	func TestMain(m *testing.M) { testenv.Main(m) }
func Main(m *testing.M) {
	env, envErr = Start(context.Background())
	if envErr != nil {
		fmt.Fprintf(os.Stderr, "testenv: %v\n", envErr)
	}
	os.Exit(m.Run())
}

// Get returns the environment that Main started, or fails the test with the reason the
// cluster could not be started.
func Get(t testing.TB) *Env {
	t.Helper()
	if envErr != nil {
		t.Fatalf("testenv: %v", envErr)
	}
	if env == nil {
		t.Fatalf("testenv: not started: call testenv.Main from TestMain")
	}
	return env
}

// Start connects to the cluster named by ARC_KUBECONFIG, or starts (or reuses) the local
// cluster, and installs the project's CRDs.
func Start(ctx context.Context) (*Env, error) {
	kubeconfig := os.Getenv(EnvKubeconfig)
	if kubeconfig == "" {
		var err error
		if kubeconfig, err = clusterUp(ctx); err != nil {
			return nil, fmt.Errorf("%s: %w", errStartCluster, err)
		}
	}
	e, err := Connect(kubeconfig)
	if err != nil {
		return nil, err
	}
	if err := e.InstallCRDs(ctx, filepath.Join(RepoRoot(), "package", "crds")); err != nil {
		return nil, fmt.Errorf("%s: %w", errInstallCRDs, err)
	}
	return e, nil
}

// Connect reaches the cluster of kubeconfig as its administrator, installing nothing:
// on a cluster where Crossplane installs the provider's package, the CRDs are its.
func Connect(kubeconfig string) (*Env, error) {
	cfg, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", errKubeconfig, kubeconfig, err)
	}
	cfg.QPS, cfg.Burst = 1000, 2000
	scheme := kruntime.NewScheme()
	for _, add := range AddToSchemes {
		if err := add(scheme); err != nil {
			return nil, fmt.Errorf("%s: %w", errClient, err)
		}
	}
	c, err := client.New(cfg, client.Options{Scheme: scheme})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", errClient, err)
	}
	return &Env{Kubeconfig: kubeconfig, Config: cfg, Scheme: scheme, Client: c}, nil
}

// RepoRoot is the repository's top folder, found from this source file's place in it.
func RepoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
}

// upMu serialises cluster starts within one process; the lock file does it across the
// test binaries that `go test ./...` runs in parallel.
var upMu sync.Mutex

// clusterUp runs cluster/up.sh under an exclusive file lock and returns the kubeconfig it
// prints on its last line.
func clusterUp(ctx context.Context) (string, error) {
	upMu.Lock()
	defer upMu.Unlock()

	lockPath := filepath.Join(os.TempDir(), "provider-github-arc-cluster.lock")
	lock, err := os.OpenFile(lockPath, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return "", err
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		return "", fmt.Errorf("lock %s: %w", lockPath, err)
	}
	defer syscall.Flock(int(lock.Fd()), syscall.LOCK_UN) //nolint:errcheck // closing the file unlocks too

	ctx, cancel := context.WithTimeout(ctx, 30*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, filepath.Join(RepoRoot(), "cluster", "up.sh"))
	var stdout bytes.Buffer
	cmd.Stdout = &stdout
	cmd.Stderr = os.Stderr // progress of a first build is worth seeing
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("cluster/up.sh: %w", err)
	}
	return lastLine(stdout.String())
}

func lastLine(s string) (string, error) {
	var last string
	sc := bufio.NewScanner(strings.NewReader(s))
	for sc.Scan() {
		if l := strings.TrimSpace(sc.Text()); l != "" {
			last = l
		}
	}
	if last == "" {
		return "", errors.New("cluster/up.sh printed no kubeconfig path")
	}
	return last, nil
}
