package demo

import (
	"io"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// waitEnded waits until p's current run has ended and its Wait has returned
// (the run's done channel closes after that).
func waitEnded(t *testing.T, p *Process) {
	t.Helper()
	p.mu.Lock()
	done := p.done
	p.mu.Unlock()
	select {
	case <-done:
	case <-time.After(time.Minute):
		t.Fatalf("%s did not end", p.Name)
	}
}

func TestProcessExited(t *testing.T) {
	shell, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh:", err)
	}
	cases := map[string]struct {
		reason string
		script string
		stop   bool
		want   string // part of Exited's error; "" for nil
	}{
		"FailedOnItsOwn": {
			reason: "a process that exits by itself (a bad flag) is reported with its status",
			script: "exit 3",
			want:   "exit status 3",
		},
		"EndedCleanlyOnItsOwn": {
			reason: "a provider must keep running: even a clean exit the demo did not ask for is reported",
			script: "exit 0",
			want:   "exit status 0",
		},
		"Stopped": {
			reason: "an exit the demo asked for is not an error",
			script: "sleep 60",
			stop:   true,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			p := &Process{Name: "provider", Path: shell, Args: []string{"-c", tc.script}, Log: io.Discard}
			if err := p.Start(); err != nil {
				t.Fatal(err)
			}
			if tc.stop {
				if err := p.Stop(10 * time.Second); err != nil {
					t.Fatal(err)
				}
			}
			waitEnded(t, p)
			got := ""
			if err := p.Exited(); err != nil {
				got = err.Error()
			}
			if (tc.want == "") != (got == "") || !strings.Contains(got, tc.want) {
				t.Errorf("%s\nExited() = %q, want it to contain %q", tc.reason, got, tc.want)
			}
		})
	}
}

func TestProcessExitedClearedByRestart(t *testing.T) {
	shell, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh:", err)
	}
	p := &Process{Name: "provider", Path: shell, Args: []string{"-c", "exit 1"}, Log: io.Discard}
	if err := p.Start(); err != nil {
		t.Fatal(err)
	}
	waitEnded(t, p)
	if p.Exited() == nil {
		t.Fatal("the first run ended on its own: want an error")
	}
	p.Args = []string{"-c", "sleep 60"}
	if err := p.Kill(true); err != nil {
		t.Fatal(err)
	}
	if err := p.Exited(); err != nil {
		t.Errorf("a restarted process runs: Exited() = %v, want nil", err)
	}
	if err := p.Stop(10 * time.Second); err != nil {
		t.Fatal(err)
	}
	if err := p.Exited(); err != nil {
		t.Errorf("stopped by the demo: Exited() = %v, want nil", err)
	}
}

func TestHasFlag(t *testing.T) {
	cases := map[string]struct {
		args []string
		want bool
	}{
		"None":       {args: nil, want: false},
		"Equals":     {args: []string{"--debug", "--metrics-bind-address=127.0.0.1:8080"}, want: true},
		"Separate":   {args: []string{"--metrics-bind-address", "127.0.0.1:8080"}, want: true},
		"OtherFlag":  {args: []string{"--metrics-bind-address-x=1"}, want: false},
		"AsAValue":   {args: []string{"--log-file", "--metrics-bind-address.log"}, want: false},
		"OnlyPrefix": {args: []string{"--metrics"}, want: false},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got := hasFlag(tc.args, "--metrics-bind-address")
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("hasFlag(%q): -want +got:\n%s", tc.args, diff)
			}
		})
	}
}
