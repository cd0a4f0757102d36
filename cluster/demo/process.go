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

const (
	errStartProcess = "cannot start process"
	errStopProcess  = "cannot stop process"
	errExited       = "exited on its own"
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
func ChildrenRunning(exe string) []int {
	return childrenOf(os.Getpid(), func(pid int) bool {
		got, err := os.Readlink(filepath.Join("/proc", strconv.Itoa(pid), "exe"))
		return err == nil && got == exe
	})
}

// childrenOf lists the pids of parent's children that match.
func childrenOf(parent int, match func(pid int) bool) []int {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if parentOf(pid) == parent && match(pid) {
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
	return NewUsageSamplerOf(ctx, func() []int { return ChildrenRunning(exe) }, interval)
}

// NewUsageSamplerOf samples every interval the processes pids lists, until ctx ends.
func NewUsageSamplerOf(ctx context.Context, pids func() []int, interval time.Duration) *UsageSampler {
	s := &UsageSampler{last: map[int]Usage{}}
	go func() {
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			s.sample(pids())
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
	return s
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
