package main

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// clockTicksPerSecond is the unit of utime and stime in /proc/PID/stat,
// sysconf(_SC_CLK_TCK): USER_HZ, which Linux fixes at 100 on every
// architecture Go supports (reading it needs cgo).
const clockTicksPerSecond = 100

// serverUsage is one server process's CPU time over the measured window
// and its memory at the end.
type serverUsage struct {
	pid int
	// cpu is user plus system time; err says why it is unknown.
	cpu time.Duration
	err error
	// peak (VmHWM) and steady (VmRSS) resident memory, as /proc writes
	// them ("168000 kB"), or why they are unknown.
	peak, steady string
}

// readUsage reads each process's CPU time so far.
func readUsage(pids []int) []serverUsage {
	out := make([]serverUsage, len(pids))
	for i, pid := range pids {
		out[i].pid = pid
		out[i].cpu, out[i].err = processCPU(pid)
	}
	return out
}

// usageOver is the CPU time each process spent between before and after,
// with its memory now.
func usageOver(before, after []serverUsage) []serverUsage {
	out := make([]serverUsage, len(after))
	for i, a := range after {
		out[i] = serverUsage{pid: a.pid, cpu: a.cpu - before[i].cpu, err: errors.Join(before[i].err, a.err),
			peak: procStatus(a.pid, "VmHWM"), steady: procStatus(a.pid, "VmRSS")}
	}
	return out
}

// processCPU is a process's user plus system CPU time from /proc (Linux).
func processCPU(pid int) (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	return parseStatCPU(string(b))
}

// parseStatCPU reads utime and stime (fields 14 and 15) of a
// /proc/PID/stat line. The command name (field 2) is in parentheses and
// may hold spaces and parentheses, so fields are counted after the last
// ')'.
func parseStatCPU(stat string) (time.Duration, error) {
	i := strings.LastIndexByte(stat, ')')
	if i < 0 {
		return 0, errors.New("stat: no command name")
	}
	fields := strings.Fields(stat[i+1:]) // from field 3 (state) on
	const utime, stime = 14 - 3, 15 - 3
	if len(fields) <= stime {
		return 0, errors.New("stat: too few fields")
	}
	var ticks int64
	for _, f := range []string{fields[utime], fields[stime]} {
		n, err := strconv.ParseInt(f, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("stat: %w", err)
		}
		ticks += n
	}
	return time.Duration(ticks) * time.Second / clockTicksPerSecond, nil
}

// procStatus is a field of a process's /proc status, such as VmHWM (peak
// resident memory) or VmRSS (resident memory now).
func procStatus(pid int, field string) string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return "unknown (" + err.Error() + ")"
	}
	for line := range strings.Lines(string(b)) {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			return strings.TrimSpace(v)
		}
	}
	return "unknown"
}
