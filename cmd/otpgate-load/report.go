package main

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"
)

// print writes the report of a run: the operations with their rate and
// latency, the failures by message, the guessers' answers, and the
// servers' CPU time per operation and memory.
func (r *result) print(w io.Writer, c config) {
	wl := workloads[c.workload]
	slices.Sort(r.latencies)
	pct := func(p float64) time.Duration {
		if len(r.latencies) == 0 {
			return 0
		}
		return roundLatency(r.latencies[int(p*float64(len(r.latencies)-1))])
	}
	failed := 0
	for _, n := range r.failures {
		failed += n
	}
	accounts := ""
	if wl.signsIn {
		accounts = fmt.Sprintf(", accounts %d", c.users)
	}
	fmt.Fprintf(w, "workload %s: replicas %d, concurrency %d%s, duration %s (ran %s)\n",
		c.workload, len(c.replicas), c.concurrency, accounts, c.duration, r.elapsed.Round(time.Millisecond))
	secs := r.elapsed.Seconds()
	fmt.Fprintf(w, "%s: %d ok, %d failed; %.1f %s/s; %.1f HTTP requests/s\n",
		wl.many, r.ok, failed, float64(r.ok)/secs, wl.many, float64(r.requests)/secs)
	fmt.Fprintf(w, "%s latency: p50 %s, p95 %s, p99 %s, max %s\n", wl.one, pct(0.50), pct(0.95), pct(0.99), pct(1))
	for _, k := range slices.Sorted(maps.Keys(r.failures)) {
		fmt.Fprintf(w, "  failure ×%d: %s\n", r.failures[k], k)
	}
	if c.mfaAccounts() {
		if r.throttled == 0 {
			fmt.Fprintln(w, "TOTP steps: not throttled (every sign-in found an account whose passcode was unused in its 30 s step)")
		} else {
			fmt.Fprintf(w, "TOTP steps: THROTTLED: %d sign-ins waited %s in all for an account whose passcode was unused in the current 30 s step; "+
				"the rate was capped by -users (%d per 30 s), not by the server: raise -users\n",
				r.throttled, r.throttledTime.Round(time.Millisecond), c.users)
		}
	}
	if c.guessers > 0 {
		parts := []string{}
		for _, st := range slices.Sorted(maps.Keys(r.guesses)) {
			parts = append(parts, fmt.Sprintf("%d ×%d", st, r.guesses[st]))
		}
		fmt.Fprintf(w, "guessers %d: answers %s\n", c.guessers, strings.Join(parts, ", "))
	}
	if len(r.servers) == 0 {
		return
	}
	guessers := ""
	if c.guessers > 0 {
		guessers = " (the guessers' requests included)"
	}
	fmt.Fprintf(w, "server CPU per operation: %s%s\n", r.cpuPerOperation(), guessers)
	for _, s := range r.servers {
		cpu := "unknown (" + fmt.Sprint(s.err) + ")"
		if s.err == nil {
			cpu = fmt.Sprintf("%.2f s (%.0f%% of one core)", s.cpu.Seconds(), 100*s.cpu.Seconds()/secs)
		}
		fmt.Fprintf(w, "server %d: CPU %s, peak resident memory %s, steady %s\n", s.pid, cpu, s.peak, s.steady)
	}
}

// cpuPerOperation is the servers' CPU time over the measured window
// divided by the successful operations, in milliseconds.
func (r *result) cpuPerOperation() string {
	var total time.Duration
	for _, s := range r.servers {
		if s.err != nil {
			return fmt.Sprintf("unknown (server %d: %v)", s.pid, s.err)
		}
		total += s.cpu
	}
	if r.ok == 0 {
		return "unknown (no operation succeeded)"
	}
	return fmt.Sprintf("%.3f ms", float64(total)/float64(time.Millisecond)/float64(r.ok))
}

// roundLatency keeps three significant digits or so: milliseconds for
// sign-ins, microseconds for the fast endpoints.
func roundLatency(d time.Duration) time.Duration {
	if d < 10*time.Millisecond {
		return d.Round(time.Microsecond)
	}
	return d.Round(time.Millisecond)
}
