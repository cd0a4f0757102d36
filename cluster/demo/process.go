package demo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

const (
	errStartProcess = "cannot start process"
	errStopProcess  = "cannot stop process"
	errExited       = "exited on its own"
)

// clockTicks is USER_HZ, the unit of the CPU times in /proc/PID/stat; it is 100 on
// every Linux architecture Go supports.
const clockTicks = 100

// Process is a child process the demo started and may restart: the provider. It is
// started in a process group of its own, so a Ctrl-C at the terminal reaches only the
// demo, which then tears down in order while the provider still runs.
type Process struct {
	Name string
	Path string
	Args []string
	Env  []string
	Log  io.Writer

	mu    sync.Mutex
	cmd   *exec.Cmd
	done  chan struct{}
	usage Usage // of the runs that ended
	// ending is set by Kill and Stop: an exit without it is the process's own.
	ending bool
	exited error
}

// Usage is the CPU time and peak resident memory of one or more processes.
type Usage struct {
	CPUSeconds   float64
	PeakRSSBytes int64
}

// Add sums CPU time and keeps the larger peak.
func (u Usage) Add(o Usage) Usage {
	u.CPUSeconds += o.CPUSeconds
	if o.PeakRSSBytes > u.PeakRSSBytes {
		u.PeakRSSBytes = o.PeakRSSBytes
	}
	return u
}

// Start runs the process.
func (p *Process) Start() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.startLocked()
}

func (p *Process) startLocked() error {
	cmd := exec.Command(p.Path, p.Args...) //nolint:gosec // our own binaries
	cmd.Env = append(os.Environ(), p.Env...)
	cmd.Stdout, cmd.Stderr = p.Log, p.Log
	// Pdeathsig: the provider must not outlive a demo that was killed outright.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("%s %s: %w", errStartProcess, p.Name, err)
	}
	done := make(chan struct{})
	p.ending, p.exited = false, nil
	go func() {
		werr := cmd.Wait()
		p.mu.Lock()
		if !p.ending {
			if werr == nil {
				werr = errors.New("exit status 0")
			}
			p.exited = fmt.Errorf("%s %s: %w", p.Name, errExited, werr)
		}
		if st := cmd.ProcessState; st != nil {
			if ru, ok := st.SysUsage().(*syscall.Rusage); ok {
				p.usage = p.usage.Add(Usage{
					CPUSeconds:   time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds(),
					PeakRSSBytes: ru.Maxrss * 1024,
				})
			}
		}
		p.mu.Unlock()
		close(done)
	}()
	p.cmd, p.done = cmd, done
	return nil
}

// Pid is the running process's id, 0 when none runs.
func (p *Process) Pid() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd == nil || p.cmd.Process == nil {
		return 0
	}
	select {
	case <-p.done:
		return 0
	default:
		return p.cmd.Process.Pid
	}
}

// Exited is why the process's last run ended when it ended on its own (a bad
// flag, a crash), not by Kill or Stop; nil while it runs or after those.
func (p *Process) Exited() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.exited
}

// Kill ends the process with SIGKILL (a crash, as chaos wants it), waits for it, and
// starts it again when restart is set (as a Deployment would).
func (p *Process) Kill(restart bool) error {
	p.mu.Lock()
	cmd, done := p.cmd, p.done
	p.ending = true
	p.mu.Unlock()
	if cmd == nil {
		return nil
	}
	_ = cmd.Process.Signal(syscall.SIGKILL)
	<-done
	if !restart {
		return nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.startLocked()
}

// Stop ends the process with SIGTERM and waits up to grace before killing it.
func (p *Process) Stop(grace time.Duration) error {
	p.mu.Lock()
	cmd, done := p.cmd, p.done
	p.ending = true
	p.mu.Unlock()
	if cmd == nil {
		return nil
	}
	select {
	case <-done:
		return nil
	default:
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return fmt.Errorf("%s %s: %w", errStopProcess, p.Name, err)
	}
	select {
	case <-done:
	case <-time.After(grace):
		_ = cmd.Process.Signal(syscall.SIGKILL)
		<-done
	}
	return nil
}

// Usage is the CPU time of every run so far and the largest peak RSS, the running
// one's read from /proc.
func (p *Process) Usage() Usage {
	p.mu.Lock()
	u := p.usage
	p.mu.Unlock()
	if pid := p.Pid(); pid > 0 {
		if cur, err := ReadUsage(pid); err == nil {
			u = u.Add(cur)
		}
	}
	return u
}

// ReadUsage reads a live process's CPU time (user + system) and peak RSS (VmHWM)
// from /proc.
func ReadUsage(pid int) (Usage, error) {
	stat, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return Usage{}, err
	}
	// The command name may hold spaces; the fields after it are fixed.
	s := string(stat)
	end := strings.LastIndexByte(s, ')')
	if end < 0 {
		return Usage{}, fmt.Errorf("malformed /proc/%d/stat", pid)
	}
	fields := strings.Fields(s[end+1:])
	// fields[0] is the state (field 3); utime and stime are fields 14 and 15.
	if len(fields) < 13 {
		return Usage{}, fmt.Errorf("malformed /proc/%d/stat", pid)
	}
	utime, _ := strconv.ParseInt(fields[11], 10, 64)
	stime, _ := strconv.ParseInt(fields[12], 10, 64)
	u := Usage{CPUSeconds: float64(utime+stime) / clockTicks}
	status, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "status"))
	if err != nil {
		return u, nil
	}
	for _, line := range strings.Split(string(status), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			u.PeakRSSBytes = kb * 1024
		}
	}
	return u, nil
}

// ChildrenRunning lists the pids of this process's children whose executable is exe.
// The stand-in runs listeners as our children; this finds them to measure or kill.
func ChildrenRunning(exe string) []int {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	self := os.Getpid()
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if got, err := os.Readlink(filepath.Join("/proc", e.Name(), "exe")); err != nil || got != exe {
			continue
		}
		if parentOf(pid) == self {
			pids = append(pids, pid)
		}
	}
	return pids
}

func parentOf(pid int) int {
	stat, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return 0
	}
	s := string(stat)
	end := strings.LastIndexByte(s, ')')
	if end < 0 {
		return 0
	}
	fields := strings.Fields(s[end+1:])
	if len(fields) < 2 {
		return 0
	}
	ppid, _ := strconv.Atoi(fields[1])
	return ppid
}

// UsageSampler keeps the last /proc reading of every process of one kind (the
// listeners), so processes that were killed or stopped still count.
type UsageSampler struct {
	mu   sync.Mutex
	last map[int]Usage
}

// NewUsageSampler samples every interval the children running exe, until ctx ends.
func NewUsageSampler(ctx context.Context, exe string, interval time.Duration) *UsageSampler {
	s := &UsageSampler{last: map[int]Usage{}}
	go func() {
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			s.sample(exe)
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
	return s
}

func (s *UsageSampler) sample(exe string) {
	for _, pid := range ChildrenRunning(exe) {
		if u, err := ReadUsage(pid); err == nil {
			s.mu.Lock()
			s.last[pid] = u
			s.mu.Unlock()
		}
	}
}

// Total is the CPU time of every process seen and the largest peak RSS of one.
func (s *UsageSampler) Total() Usage {
	s.mu.Lock()
	defer s.mu.Unlock()
	var u Usage
	for _, v := range s.last {
		u = u.Add(v)
	}
	return u
}
