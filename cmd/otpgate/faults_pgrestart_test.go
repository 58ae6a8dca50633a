//go:build linux

package main

import (
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/otpgate/otpgate/internal/testkit/browser"
	"github.com/otpgate/otpgate/internal/testkit/fixtures"
	"github.com/otpgate/otpgate/internal/testkit/fleet"
)

// procReadiness polls /readyz of replicas every 100 ms and remembers the
// last time any of them did not answer 200.
type procReadiness struct {
	mu       sync.Mutex
	notReady map[string]int
	lastBad  time.Time
}

func watchReadiness(t *testing.T, rs []*fleet.Replica) *procReadiness {
	w := &procReadiness{notReady: map[string]int{}}
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		c := &http.Client{Timeout: 2 * time.Second}
		for {
			select {
			case <-stop:
				return
			case <-time.After(100 * time.Millisecond):
			}
			for _, r := range rs {
				status := 0
				if resp, err := c.Get(r.Base + "/readyz"); err == nil {
					resp.Body.Close()
					status = resp.StatusCode
				}
				if status != http.StatusOK {
					w.mu.Lock()
					w.notReady[r.Name]++
					w.lastBad = time.Now()
					w.mu.Unlock()
				}
			}
		}
	}()
	t.Cleanup(func() { close(stop); <-done })
	return w
}

// waitAllReady waits (at most within) until every replica answers /readyz
// 200 and returns how long that took.
func waitAllReady(t *testing.T, rs []*fleet.Replica, within time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	c := &http.Client{Timeout: 2 * time.Second}
	for _, r := range rs {
		for {
			status := 0
			if resp, err := c.Get(r.Base + "/readyz"); err == nil {
				resp.Body.Close()
				status = resp.StatusCode
			}
			if status == http.StatusOK {
				break
			}
			if time.Since(start) > within {
				t.Fatalf("replica %s: /readyz answered %d %s after PostgreSQL came back, want 200 within %s (the pool did not recover)",
					r.Name, status, time.Since(start).Round(time.Millisecond), within)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	return time.Since(start)
}

// TestFaultsPostgresRestart restarts PostgreSQL (its own throwaway
// cluster) under otpgate, twice:
//
//  1. `pg_ctl restart -m fast` in the middle of a load of sign-ins, code
//     exchanges and refreshes on two replicas;
//  2. `pg_ctl stop -m fast`, then one request of every kind while the
//     database is down, then `pg_ctl start`.
//
// Requests during the outage fail closed (a clear 503 page or the
// protocol's error, never a 500 or a stack trace, never a code or token
// without its bookkeeping), the pools recover without restarting otpgate
// (/readyz 200 again within 20 s), and interrupted sign-ins can continue.
func TestFaultsPostgresRestart(t *testing.T) {
	fleet.NeedFaults(t)
	t.Parallel()
	cl := fleet.OwnCluster(t)
	f := fleet.New(t, fleet.PostgresDatabase(t, cl.DSN), 2)
	f.StartAll()
	A, B := f.Replicas[0].Base, f.Replicas[1].Base
	pids := []int{f.Replicas[0].PID(), f.Replicas[1].PID()}
	app := f.AddClient("app")
	st := f.OpenStore()
	var users []*fixtures.Account
	for _, name := range []string{"u0", "u1", "u2", "u3", "u4", "u5"} {
		users = append(users, f.AddUser(st, name, false))
	}
	mia := f.AddUser(st, "mia", true)
	fleet.EnrollUser(t, A, f.Issuer, app, mia)
	must := func(p *browser.Page, err error) *browser.Page {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return p
	}

	// Phase 1: restart -m fast under load. A sign-in parked at the
	// question step continues afterwards.
	parked := fleet.NewBrowser()
	parkedAuth := fleet.NewAuth(f.Issuer, app, "openid")
	pq := must(parked.On(A).Get(parkedAuth.URL))
	pq = must(parked.On(B).Submit(pq, map[string]string{"username": users[5].Name, "password": users[5].Password}))
	if pq.Step() != "question" {
		t.Fatalf("parked sign-in: %s", pq.Describe())
	}
	load := newProcLoad(f.Issuer, app, users[:5], fleet.RoundRobin(A, B))
	ready := watchReadiness(t, f.Replicas)
	stopLoad := load.start(t, 3)
	time.Sleep(1500 * time.Millisecond)
	restartAt := time.Now()
	cl.Restart()
	restarted := time.Now()
	recovery := waitAllReady(t, f.Replicas, 20*time.Second)
	time.Sleep(3 * time.Second)
	stopLoad()
	t.Logf("phase 1: pg_ctl restart -m fast took %s; /readyz 200 on both replicas %s after it returned; not-ready answers seen: %v",
		restarted.Sub(restartAt).Round(time.Millisecond), recovery.Round(time.Millisecond), ready.notReady)
	t.Logf("phase 1 load: %s", load.summary())
	if first, last := load.failWindow(); !first.IsZero() {
		t.Logf("phase 1: failed answers from %s to %s after pg_ctl restart began (it returned after %s)",
			first.Sub(restartAt).Round(time.Millisecond), last.Sub(restartAt).Round(time.Millisecond), restarted.Sub(restartAt).Round(time.Millisecond))
		if last.After(restarted.Add(recovery).Add(5 * time.Second)) {
			t.Errorf("requests still failed %s after PostgreSQL was back", last.Sub(restarted.Add(recovery)).Round(time.Millisecond))
		}
	}
	for _, p := range load.problems {
		t.Errorf("during the restart: %s", p)
	}
	if n := load.successesAfter(restarted.Add(recovery)); n == 0 {
		t.Errorf("no sign-in finished after PostgreSQL came back")
	}
	p := must(parked.On(A).Submit(pq, map[string]string{"answer": users[5].Answer}))
	if code := p.RPQuery().Get("code"); code == "" {
		t.Errorf("the sign-in parked at the question step did not continue after the restart: %s", p.Describe())
	} else if status, body, err := fleet.Token(B, app, fleet.CodeForm(code, parkedAuth)); err != nil || status != http.StatusOK {
		t.Errorf("exchange of the continued sign-in: %d %v %v", status, body, err)
	}
	load.checkBookkeeping(t, []string{A, B})

	// Phase 2: the database is down for a while. Prepare one sign-in at
	// each step, a code not yet exchanged and a refresh token.
	x := procPrepareInterrupted(t, f.Issuer, app, A, B, users[:4], mia)
	cl.Stop()
	down := time.Now()
	if status, _ := get(A + "/readyz"); status != http.StatusServiceUnavailable {
		t.Errorf("/readyz while PostgreSQL is down: %d, want 503", status)
	}
	if status, _ := get(A + "/healthz"); status != http.StatusOK {
		t.Errorf("/healthz while PostgreSQL is down: %d, want 200 (the process runs)", status)
	}
	x.duringFault("while PostgreSQL is down")
	time.Sleep(time.Until(down.Add(2 * time.Second)))
	cl.Start()
	recovery = waitAllReady(t, f.Replicas, 20*time.Second)
	t.Logf("phase 2: /readyz 200 on both replicas %s after pg_ctl start returned", recovery.Round(time.Millisecond))
	x.afterFault("after PostgreSQL came back")

	// otpgate itself was never restarted.
	for i, r := range f.Replicas {
		if !r.Running() || r.PID() != pids[i] {
			t.Errorf("replica %s was restarted or died", r.Name)
		}
		if lines := fleet.ServerErrors(r.Log()); len(lines) > 0 {
			t.Logf("replica %s 5xx request log lines:\n%s", r.Name, strings.Join(lines, "\n"))
		}
	}
}
