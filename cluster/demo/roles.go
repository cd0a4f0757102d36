package demo

import (
	"fmt"
	"os"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// The demo, bench and chaos executables play one more role when re-executed with
// EnvRole set: the listener shim.
const (
	EnvRole = "ARC_DEMO_ROLE"
	// RoleListenerShim detaches a listener process from the terminal and its
	// parent's death, then becomes the listener binary named by EnvListenerBinary.
	RoleListenerShim  = "listener-shim"
	EnvListenerBinary = "ARC_DEMO_LISTENER_BINARY"
)

// listenerAddrEnv gives every listener process loopback ports the kernel picks
// (cmd/listener reads them over its config's): each listener's config asks for the
// pod ports :8080 and :8081, which only the first listener on a host would get.
var listenerAddrEnv = []string{"LISTENER_METRICS_ADDR=127.0.0.1:0", "LISTENER_HEALTH_ADDR=127.0.0.1:0"}

const errShimExec = "listener shim: cannot exec the listener"

// RunRoleIfAsked runs the role EnvRole names and exits; it returns at once when the
// variable is not set. Call it first in main (and in TestMain).
func RunRoleIfAsked() {
	switch os.Getenv(EnvRole) {
	case "":
		return
	case RoleListenerShim:
		err := execListener()
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	default:
		fmt.Fprintf(os.Stderr, "unknown %s %q\n", EnvRole, os.Getenv(EnvRole))
		os.Exit(2)
	}
}

// execListener leaves the terminal's process group (a Ctrl-C must reach only the
// demo, which stops listeners by deleting their pods), asks to die with its parent,
// and replaces itself with the real listener: same pid, same signals. The listener
// ports are not its business: the stand-in passes listenerAddrEnv.
func execListener() error {
	target := os.Getenv(EnvListenerBinary)
	var env []string
	for _, e := range os.Environ() {
		if strings.HasPrefix(e, EnvRole+"=") || strings.HasPrefix(e, EnvListenerBinary+"=") {
			continue
		}
		env = append(env, e)
	}
	_ = syscall.Setpgid(0, 0)
	_ = unix.Prctl(unix.PR_SET_PDEATHSIG, uintptr(syscall.SIGKILL), 0, 0, 0)
	if err := syscall.Exec(target, append([]string{target}, os.Args[1:]...), env); err != nil { //nolint:gosec // our own build
		return fmt.Errorf("%s %s: %w", errShimExec, target, err)
	}
	return nil
}
