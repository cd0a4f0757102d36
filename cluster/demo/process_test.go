package demo

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"
)

// The samplers of this process's children find each child under its executable, and
// only there.
func TestChildSamplers(t *testing.T) {
	sleep, err := exec.LookPath("sleep")
	if err != nil {
		t.Skipf("no sleep: %v", err)
	}
	cmd := exec.Command(sleep, "30")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	// /proc names the executable a symbolic link resolves to.
	exe, err := os.Readlink(filepath.Join("/proc", strconv.Itoa(cmd.Process.Pid), "exe"))
	if err != nil {
		t.Fatal(err)
	}

	if got := ChildrenRunning(exe); !slices.Contains(got, cmd.Process.Pid) {
		t.Errorf("ChildrenRunning(%s) = %v, want it to hold the child %d", exe, got, cmd.Process.Pid)
	}
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	samplers := NewChildSamplers(ctx, 10*time.Millisecond, exe, "/no/such/executable")
	deadline := time.Now().Add(10 * time.Second)
	for samplers[0].Total().PeakRSSBytes == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("the child %d running %s was not sampled within 10 s", cmd.Process.Pid, exe)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if u := samplers[1].Total(); u != (Usage{}) {
		t.Errorf("the sampler of an executable no child runs read %+v, want nothing", u)
	}
}
