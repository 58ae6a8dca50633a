//go:build linux

package main

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/otpgate/otpgate/provider/store"
)

// TestReplicasLockoutIsExactUnderConcurrency: 2 replicas × 25 goroutines
// each submit one wrong passcode for one account at the same moment, from
// 50 sign-ins prepared at the passcode step. The account locks at exactly
// the threshold (5): five failures are counted, four people see "wrong
// code" and everyone else the locked page, and nobody gets a 5xx.
func TestReplicasLockoutIsExactUnderConcurrency(t *testing.T) {
	pg := procNeedPostgres(t)
	t.Parallel()
	f := newProcFleet(t, procPostgresDatabase(t, pg), 2)
	f.startAll()
	A, B := f.replicas[0].base, f.replicas[1].base
	app := f.addClient("app")
	st := f.openStore()
	gus := f.addUser(st, "gus", true)
	procEnrollUser(t, A, f.issuer, app, gus)

	// 50 sign-ins at the passcode step, 25 on each replica.
	const perReplica = 25
	type attempt struct {
		b    *procBrowser
		p    *procPage
		base string
	}
	attempts := make([]attempt, 2*perReplica)
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		problems []string
	)
	sem := make(chan struct{}, 4) // fewer than the 10 concurrent password checks that would lock the account
	for i := range attempts {
		base := []string{A, B}[i%2]
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			b := newProcBrowser()
			p, err := procFirstFactor(b, func() string { return base }, newProcAuth(f.issuer, app, "openid"), gus)
			if err == nil && p.step() != "otp" {
				err = fmt.Errorf("want the otp step, got %s", p.describe())
			}
			if err != nil {
				mu.Lock()
				problems = append(problems, err.Error())
				mu.Unlock()
				return
			}
			attempts[i] = attempt{b: b, p: p, base: base}
		}()
	}
	wg.Wait()
	if len(problems) > 0 {
		t.Fatalf("preparing the sign-ins: %s", strings.Join(problems, "\n"))
	}

	wrong := procWrongCode(gus.secret)
	start := make(chan struct{})
	results := make([]*procPage, len(attempts))
	errs := make([]error, len(attempts))
	for i, a := range attempts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			results[i], errs[i] = a.b.submit(a.p, a.base, map[string]string{"code": wrong})
		}()
	}
	close(start)
	wg.Wait()

	outcomes := map[string]int{}
	wrongShown := 0
	for i, p := range results {
		if errs[i] != nil {
			t.Errorf("attempt %d on %s: %v", i, attempts[i].base, errs[i])
			continue
		}
		key := fmt.Sprintf("%d %s", p.status, p.step())
		outcomes[key]++
		switch {
		case p.status >= 500:
			t.Errorf("attempt %d on %s: %s", i, attempts[i].base, p.describe())
		case p.step() == "otp" && p.status == http.StatusUnauthorized:
			wrongShown++
		case p.step() == "locked":
		default:
			t.Errorf("attempt %d on %s: unexpected answer %s", i, attempts[i].base, p.describe())
		}
	}
	keys := make([]string, 0, len(outcomes))
	for k := range outcomes {
		keys = append(keys, fmt.Sprintf("%s ×%d", k, outcomes[k]))
	}
	sort.Strings(keys)
	t.Logf("answers to 50 simultaneous wrong passcodes: %s", strings.Join(keys, ", "))
	if wrongShown != 4 {
		t.Errorf("%d attempts were told the code was wrong, want exactly 4 (the 5th locks)", wrongShown)
	}

	ctx := context.Background()
	u, err := st.UserByID(ctx, gus.id)
	if err != nil {
		t.Fatal(err)
	}
	if u.OTPFailures != 5 || !u.OTPLocked {
		t.Errorf("users row: otp_failures %d, otp_locked %v; want exactly 5 and locked", u.OTPFailures, u.OTPLocked)
	}
	events, err := st.AuditEvents(ctx, store.AuditQuery{UserID: gus.id})
	if err != nil {
		t.Fatal(err)
	}
	failures, locks := 0, 0
	for _, e := range events {
		switch {
		case e.Event == store.EventSignInFailed && strings.Contains(e.Detail, "otp"):
			failures++
		case e.Event == store.EventOTPLocked:
			locks++
		}
	}
	if failures != 5 || locks != 1 {
		t.Errorf("audit log: %d passcode failures and %d lockouts, want 5 and 1", failures, locks)
	}

	// Locked on both replicas: even the right code is refused.
	b := newProcBrowser()
	p, err := procFirstFactor(b, procRoundRobin(B, A), newProcAuth(f.issuer, app, "openid"), gus)
	if err != nil {
		t.Fatal(err)
	}
	if p.step() == "otp" {
		if p, err = b.submit(p, A, map[string]string{"code": procPasscode(gus.secret, 1)}); err != nil {
			t.Fatal(err)
		}
	}
	if p.step() != "locked" || p.toRP() {
		t.Errorf("a new sign-in after the lock: %s", p.describe())
	}
	for _, r := range f.replicas {
		if lines := procServerErrors(r.log()); len(lines) > 0 {
			t.Errorf("replica %s answered 5xx:\n%s", r.name, strings.Join(lines, "\n"))
		}
	}
}

// TestReplicasConcurrentRightPasswordsDoNotLock: 2 replicas × 8 people
// (one shared account) submit the right password at the same moment. At
// most the lockout threshold's worth of checks run at once, so a few may be
// refused like a wrong password, but right passwords never count as
// failures and never lock the account.
func TestReplicasConcurrentRightPasswordsDoNotLock(t *testing.T) {
	pg := procNeedPostgres(t)
	t.Parallel()
	f := newProcFleet(t, procPostgresDatabase(t, pg), 2)
	f.startAll()
	A, B := f.replicas[0].base, f.replicas[1].base
	app := f.addClient("app")
	st := f.openStore()
	kim := f.addUser(st, "kim", false)
	// The first sign-in rehashes the test account's password with the
	// production parameters, as every later check uses.
	if p, err := procFirstFactor(newProcBrowser(), func() string { return A }, newProcAuth(f.issuer, app, "openid"), kim); err != nil || p.rpQuery().Get("code") == "" {
		t.Fatalf("first sign-in: %v %s", err, p.describe())
	}
	const n = 16
	pages := make([]*procPage, n)
	browsers := make([]*procBrowser, n)
	bases := make([]string, n)
	for i := range n {
		bases[i] = []string{A, B}[i%2]
		browsers[i] = newProcBrowser()
		p, err := browsers[i].open(bases[i], newProcAuth(f.issuer, app, "openid").url)
		if err != nil || p.step() != "password" {
			t.Fatalf("authorize %d: %v %s", i, err, p.describe())
		}
		pages[i] = p
	}
	var wg sync.WaitGroup
	start := make(chan struct{})
	results := make([]*procPage, n)
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			results[i], errs[i] = browsers[i].submit(pages[i], bases[i], map[string]string{"username": kim.name, "password": kim.password})
		}()
	}
	close(start)
	wg.Wait()
	refused := 0
	for i, p := range results {
		if errs[i] != nil {
			t.Fatalf("password %d: %v", i, errs[i])
		}
		if p.step() != "question" {
			refused++
			t.Logf("right password %d on %s refused: %s", i, bases[i], p.describe())
		}
	}
	u, err := st.UserByID(context.Background(), kim.id)
	if err != nil {
		t.Fatal(err)
	}
	// At most the threshold's worth of checks run at once (so that racing
	// guesses can never exceed the lockout); checks beyond it are refused
	// like a wrong password, but right passwords never lock the account.
	if refused > n-10 || u.LoginLockedUntil > time.Now().Unix() || u.LoginLockLevel != 0 || u.LoginFailures != 0 {
		t.Errorf("%d of %d simultaneous right passwords were refused (at most %d may be), lock until %s, level %d, failures %d",
			refused, n, n-10, time.Unix(u.LoginLockedUntil, 0).UTC().Format(time.RFC3339), u.LoginLockLevel, u.LoginFailures)
	}
}
