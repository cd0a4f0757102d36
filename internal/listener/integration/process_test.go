package integration

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/arc-crossplane/provider-github-arc/cluster/testenv"
	"github.com/arc-crossplane/provider-github-arc/internal/simulator/simclient"
)

// process is cmd/listener run as a pod's container would run it.
type process struct {
	cmd    *exec.Cmd
	output *syncBuffer
	exited chan struct{}
}

// startProcess runs the listener binary with the contract-3 environment: the
// config file, the pod's name and namespace, and a kubeconfig with the
// listener's ServiceAccount token.
func (w *world) startProcess(t *testing.T, bin, configPath, kubeconfig, podName string) *process {
	t.Helper()
	cmd := exec.Command(bin) //nolint:gosec // the test's own build
	cmd.Env = append(os.Environ(),
		"LISTENER_CONFIG_PATH="+configPath,
		"POD_NAME="+podName,
		"POD_NAMESPACE="+w.ns,
		"KUBECONFIG="+kubeconfig,
	)
	p := &process{cmd: cmd, output: &syncBuffer{}, exited: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = p.output, p.output
	if err := cmd.Start(); err != nil {
		t.Fatalf("start listener process: %v", err)
	}
	go func() {
		_ = cmd.Wait()
		close(p.exited)
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-p.exited:
		case <-time.After(30 * time.Second):
			_ = cmd.Process.Kill()
			<-p.exited
		}
		if t.Failed() {
			t.Logf("listener process %s output:\n%s", podName, p.output.String())
		}
	})
	return p
}

// kill ends the process at once: no session deletion, no pending message
// deleted, whatever it was doing.
func (p *process) kill(t *testing.T) {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatalf("SIGKILL: %v", err)
	}
	select {
	case <-p.exited:
	case <-time.After(30 * time.Second):
		t.Fatalf("listener process did not die within 30s of SIGKILL")
	}
}

type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// The listener process is SIGKILLed in the middle of a 100-job stream and
// started again: every job runs exactly once, none is lost. Between the two,
// the service ends the dead listener's session, as it does with a session
// that stopped polling.
func TestKilledListenerLosesNoJob(t *testing.T) {
	const (
		jobs       = 100
		maxRunners = 10
		killAfter  = 30
	)
	bin := buildListener(t)
	w := newWorld(t, 0, maxRunners)
	ctx, cancel := context.WithTimeout(t.Context(), 4*time.Minute)
	defer cancel()

	cfg := w.config()
	raw, err := json.Marshal(cfg)
	if err != nil {
		t.Fatalf("marshal config: %v", err)
	}
	configPath := filepath.Join(t.TempDir(), "config.json")
	if err := os.WriteFile(configPath, raw, 0o600); err != nil {
		t.Fatalf("write config: %v", err)
	}
	kubeconfig := w.kubeconfig()

	first := w.startProcess(t, bin, configPath, kubeconfig, "listener-pod")
	w.waitSessionOwner(t, "listener-pod")
	p := w.play(ctx, 2*time.Second, true)
	ids := w.submit(jobs, 150*time.Millisecond)

	testenv.Eventually(t, 2*time.Minute, fmt.Sprintf("%d jobs completed", killAfter), func(ctx context.Context) (bool, error) {
		n, err := w.completed(ctx, ids)
		return n >= killAfter, err
	})
	stale := w.sessionID(ctx)
	first.kill(t)
	n, err := w.completed(ctx, ids)
	if err != nil {
		t.Fatalf("count completed jobs: %v", err)
	}
	if n == jobs {
		t.Fatalf("all %d jobs completed before the kill: the test proves nothing", jobs)
	}
	t.Logf("killed the listener with %d of %d jobs completed", n, jobs)

	w.endStaleSession(ctx, stale)
	w.startProcess(t, bin, configPath, kubeconfig, "listener-pod")

	done, err := w.sim.WaitJobs(ctx, simclient.JobCompleted, ids...)
	if err != nil {
		t.Fatalf("jobs did not complete after the restart: %v", err)
	}
	for _, j := range done {
		if j.Runs != 1 || j.Result != simclient.ResultSucceeded {
			t.Errorf("job %d: ran %d times with result %q; want once, succeeded", j.ID, j.Runs, j.Result)
		}
	}
	w.waitReplicas(t, 0)
	cancel()
	for _, err := range p.failures() {
		t.Errorf("runner: %v", err)
	}
	// A JobStarted still queued in the killed session, or sent while no
	// session existed, is lost with that session (the service drops its
	// messages), so some runners never get their job recorded: that is the
	// protocol, not the listener, and no bound holds on a loaded machine.
	t.Logf("%d jobs were not recorded on their runner: their JobStarted went with the killed session", p.unrecordedJobs())
}

func (w *world) waitSessionOwner(t *testing.T, owner string) {
	t.Helper()
	testenv.Eventually(t, 30*time.Second, "session owned by "+owner, func(ctx context.Context) (bool, error) {
		got, err := w.sessionOwner(ctx)
		return got == owner, err
	})
}

func (w *world) completed(ctx context.Context, ids []int64) (int, error) {
	jobs, err := w.sim.Jobs(ctx)
	if err != nil {
		return 0, err
	}
	want := map[int64]bool{}
	for _, id := range ids {
		want[id] = true
	}
	n := 0
	for _, j := range jobs {
		if want[j.ID] && j.State == simclient.JobCompleted {
			n++
		}
	}
	return n, nil
}
