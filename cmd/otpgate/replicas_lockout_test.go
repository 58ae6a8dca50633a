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

	"github.com/otpgate/otpgate/internal/testkit/browser"
	"github.com/otpgate/otpgate/internal/testkit/fleet"
	"github.com/otpgate/otpgate/provider/store"
)

// TestReplicasLockoutIsExactUnderConcurrency: 2 replicas × 25 goroutines
// each submit one wrong passcode for one account at the same moment, from
// 50 sign-ins prepared at the passcode step. The account locks at exactly
// the threshold (5): five failures are counted, four people see "wrong
// code" and everyone else the locked page, and nobody gets a 5xx.
func TestReplicasLockoutIsExactUnderConcurrency(t *testing.T) {
	pg := fleet.NeedPostgres(t)
	t.Parallel()
	f := fleet.New(t, fleet.PostgresDatabase(t, pg), 2)
	f.StartAll()
	A, B := f.Replicas[0].Base, f.Replicas[1].Base
	app := f.AddClient("app")
	st := f.OpenStore()
	gus := f.AddUser(st, "gus", true)
	fleet.EnrollUser(t, A, f.Issuer, app, gus)

	// 50 sign-ins at the passcode step, 25 on each replica.
	const perReplica = 25
	type attempt struct {
		b    *browser.Browser
		p    *browser.Page
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
			b := fleet.NewBrowser()
			p, err := fleet.FirstFactor(b, func() string { return base }, fleet.NewAuth(f.Issuer, app, "openid"), gus)
			if err == nil && p.Step() != "otp" {
				err = fmt.Errorf("want the otp step, got %s", p.Describe())
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

	wrong := fleet.WrongCode(gus.Secret)
	start := make(chan struct{})
	results := make([]*browser.Page, len(attempts))
	errs := make([]error, len(attempts))
	for i, a := range attempts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			results[i], errs[i] = a.b.On(a.base).Submit(a.p, map[string]string{"code": wrong})
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
		key := fmt.Sprintf("%d %s", p.Status, p.Step())
		outcomes[key]++
		switch {
		case p.Status >= 500:
			t.Errorf("attempt %d on %s: %s", i, attempts[i].base, p.Describe())
		case p.Step() == "otp" && p.Status == http.StatusUnauthorized:
			wrongShown++
		case p.Step() == "locked":
		default:
			t.Errorf("attempt %d on %s: unexpected answer %s", i, attempts[i].base, p.Describe())
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
	u, err := st.UserByID(ctx, gus.ID)
	if err != nil {
		t.Fatal(err)
	}
	if u.OTPFailures != 5 || !u.OTPLocked {
		t.Errorf("users row: otp_failures %d, otp_locked %v; want exactly 5 and locked", u.OTPFailures, u.OTPLocked)
	}
	events, err := st.AuditEvents(ctx, store.AuditQuery{UserID: gus.ID})
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
	b := fleet.NewBrowser()
	p, err := fleet.FirstFactor(b, fleet.RoundRobin(B, A), fleet.NewAuth(f.Issuer, app, "openid"), gus)
	if err != nil {
		t.Fatal(err)
	}
	if p.Step() == "otp" {
		if p, err = b.On(A).Submit(p, map[string]string{"code": fleet.Passcode(gus.Secret, 1)}); err != nil {
			t.Fatal(err)
		}
	}
	if p.Step() != "locked" || p.ToRP() {
		t.Errorf("a new sign-in after the lock: %s", p.Describe())
	}
	for _, r := range f.Replicas {
		if lines := fleet.ServerErrors(r.Log()); len(lines) > 0 {
			t.Errorf("replica %s answered 5xx:\n%s", r.Name, strings.Join(lines, "\n"))
		}
	}
}

// TestReplicasConcurrentRightPasswordsDoNotLock: 2 replicas × 8 people
// (one shared account) submit the right password at the same moment. At
// most the lockout threshold's worth of checks run at once, so a few may be
// refused like a wrong password, but right passwords never count as
// failures and never lock the account.
func TestReplicasConcurrentRightPasswordsDoNotLock(t *testing.T) {
	pg := fleet.NeedPostgres(t)
	t.Parallel()
	f := fleet.New(t, fleet.PostgresDatabase(t, pg), 2)
	f.StartAll()
	A, B := f.Replicas[0].Base, f.Replicas[1].Base
	app := f.AddClient("app")
	st := f.OpenStore()
	kim := f.AddUser(st, "kim", false)
	// The first sign-in rehashes the test account's password with the
	// production parameters, as every later check uses.
	if p, err := fleet.FirstFactor(fleet.NewBrowser(), func() string { return A }, fleet.NewAuth(f.Issuer, app, "openid"), kim); err != nil || p.RPQuery().Get("code") == "" {
		t.Fatalf("first sign-in: %v %s", err, p.Describe())
	}
	const n = 16
	pages := make([]*browser.Page, n)
	browsers := make([]*browser.Browser, n)
	bases := make([]string, n)
	for i := range n {
		bases[i] = []string{A, B}[i%2]
		browsers[i] = fleet.NewBrowser()
		p, err := browsers[i].On(bases[i]).Get(fleet.NewAuth(f.Issuer, app, "openid").URL)
		if err != nil || p.Step() != "password" {
			t.Fatalf("authorize %d: %v %s", i, err, p.Describe())
		}
		pages[i] = p
	}
	var wg sync.WaitGroup
	start := make(chan struct{})
	results := make([]*browser.Page, n)
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			results[i], errs[i] = browsers[i].On(bases[i]).Submit(pages[i], map[string]string{"username": kim.Name, "password": kim.Password})
		}()
	}
	close(start)
	wg.Wait()
	refused := 0
	for i, p := range results {
		if errs[i] != nil {
			t.Fatalf("password %d: %v", i, errs[i])
		}
		if p.Step() != "question" {
			refused++
			t.Logf("right password %d on %s refused: %s", i, bases[i], p.Describe())
		}
	}
	u, err := st.UserByID(context.Background(), kim.ID)
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
