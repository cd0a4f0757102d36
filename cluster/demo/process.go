package demo

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// clockTicks is USER_HZ, the unit of the CPU times in /proc/PID/stat; it is 100 on
// every Linux architecture Go supports.
const clockTicks = 100

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
// The stand-in runs listeners, the provider and the function as our children; this
// finds them to measure or kill.
func ChildrenRunning(exe string) []int { return childrenByExe(os.Getpid())[exe] }

// childrenByExe lists the pids of parent's children by their executable, in one pass
// over /proc.
func childrenByExe(parent int) map[string][]int {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	out := map[string][]int{}
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || parentOf(pid) != parent {
			continue
		}
		exe, _ := os.Readlink(filepath.Join("/proc", e.Name(), "exe"))
		out[exe] = append(out[exe], pid)
	}
	return out
}

// childrenOf lists the pids of parent's children.
func childrenOf(parent int) []int {
	var pids []int
	for _, ps := range childrenByExe(parent) {
		pids = append(pids, ps...)
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
// listeners, say), so processes that were killed or stopped still count.
type UsageSampler struct {
	mu   sync.Mutex
	last map[int]Usage
}

// NewUsageSamplerOf samples every interval the processes pids lists, until ctx ends.
func NewUsageSamplerOf(ctx context.Context, pids func() []int, interval time.Duration) *UsageSampler {
	s := &UsageSampler{last: map[int]Usage{}}
	every(ctx, interval, func() { s.sample(pids()) })
	return s
}

// NewChildSamplers samples, every interval until ctx ends, this process's children
// that run one of exes, each executable's into a sampler of its own: one pass over
// /proc a tick serves them all.
func NewChildSamplers(ctx context.Context, interval time.Duration, exes ...string) []*UsageSampler {
	out := make([]*UsageSampler, len(exes))
	for i := range exes {
		out[i] = &UsageSampler{last: map[int]Usage{}}
	}
	self := os.Getpid()
	every(ctx, interval, func() {
		children := childrenByExe(self)
		for i, exe := range exes {
			out[i].sample(children[exe])
		}
	})
	return out
}

// every calls f at once and then every interval until ctx ends.
func every(ctx context.Context, interval time.Duration, f func()) {
	go func() {
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			f()
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
}

func (s *UsageSampler) sample(pids []int) {
	for _, pid := range pids {
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
