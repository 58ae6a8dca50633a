//go:build linux

package main

import (
	"context"
	"math/rand/v2"
	"net/http"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/otpgate/otpgate/internal/testkit/fixtures"
	"github.com/otpgate/otpgate/internal/testkit/fleet"
	"github.com/otpgate/otpgate/mfa"
	"github.com/otpgate/otpgate/provider/store"
)

// procKillScenario kills victim with SIGKILL three times while a load of
// sign-ins, code exchanges and refreshes runs against targets, and while
// wrong passcodes are counted for one account and right ones accepted for
// others; the victim is started again after each kill. Afterwards, on
// checkOn, every redeemed code and every rotated refresh token is refused,
// every accepted passcode step is still recorded (its code is refused), and
// the failure counter holds every acknowledged failure. afterKill runs
// while the victim is dead.
func procKillScenario(t *testing.T, f *fleet.Fleet, victim *fleet.Replica, targets, checkOn []string, afterKill func(loop int)) {
	t.Helper()
	app := f.AddClient("app")
	st := f.OpenStore()
	var users []*fixtures.Account
	for _, name := range []string{"k0", "k1", "k2", "k3"} {
		users = append(users, f.AddUser(st, name, false))
	}
	fay := f.AddUser(st, "fay", true)
	fleet.EnrollUser(t, checkOn[0], f.Issuer, app, fay)
	var otpUsers []*fixtures.Account
	for _, name := range []string{"m0", "m1", "m2"} {
		u := f.AddUser(st, name, true)
		fleet.EnrollUser(t, checkOn[0], f.Issuer, app, u)
		otpUsers = append(otpUsers, u)
	}

	// Wrong passcodes for fay, from one sign-in parked at the passcode
	// step, on the targets in turn.
	failBrowser := fleet.NewBrowser()
	failPage, err := fleet.FirstFactor(failBrowser, func() string { return checkOn[0] }, fleet.NewAuth(f.Issuer, app, "openid"), fay)
	if err != nil || failPage.Step() != "otp" {
		t.Fatalf("parking fay at the passcode step: %v %s", err, failPage.Describe())
	}
	var (
		failMu              sync.Mutex
		acknowledged, tried int
		failProblems        []string
	)
	stopFail := make(chan struct{})
	failDone := make(chan struct{})
	go func() {
		defer close(failDone)
		next := fleet.RoundRobin(targets...)
		wrong := fleet.WrongCode(fay.Secret)
		for tried < 60 {
			select {
			case <-stopFail:
				return
			case <-time.After(40 * time.Millisecond):
			}
			failMu.Lock()
			tried++
			failMu.Unlock()
			p, err := failBrowser.On(next()).Submit(failPage, map[string]string{"code": wrong})
			if err != nil {
				continue // the replica was down: counted or not
			}
			failMu.Lock()
			if p.Step() == "otp" && p.Status == http.StatusUnauthorized {
				acknowledged++
				failPage = p
			} else if p.Status != http.StatusServiceUnavailable {
				failProblems = append(failProblems, p.Describe())
			}
			failMu.Unlock()
		}
	}()

	load := newProcLoad(f.Issuer, app, users, fleet.RoundRobin(targets...))
	load.transportOK = true
	stopLoad := load.start(t, 3)
	type usedCode struct {
		u    *fixtures.Account
		code string
		step int64
	}
	var used []usedCode
	for loop := range 3 {
		time.Sleep(time.Duration(700+rand.IntN(800)) * time.Millisecond)
		// A passcode accepted on the victim just before it dies.
		u := otpUsers[loop]
		b := fleet.NewBrowser()
		auth := fleet.NewAuth(f.Issuer, app, "openid")
		p, err := fleet.FirstFactor(b, func() string { return victim.Base }, auth, u)
		if err != nil || p.Step() != "otp" {
			t.Fatalf("loop %d: sign-in of %s: %v %s", loop, u.Name, err, p.Describe())
		}
		step := mfa.Default.Step(time.Now()) + 1
		code, _ := mfa.Default.Code(u.Secret, step)
		if p, err = b.On(victim.Base).Submit(p, map[string]string{"code": code}); err != nil || p.RPQuery().Get("code") == "" {
			t.Fatalf("loop %d: passcode of %s: %v %s", loop, u.Name, err, p.Describe())
		}
		used = append(used, usedCode{u: u, code: code, step: step})
		time.Sleep(time.Duration(100+rand.IntN(300)) * time.Millisecond)
		victim.Kill()
		if afterKill != nil {
			afterKill(loop)
		}
		time.Sleep(300 * time.Millisecond)
		victim.Start()
		victim.WaitReady(30 * time.Second)
	}
	time.Sleep(time.Second)
	stopLoad()
	close(stopFail)
	<-failDone
	t.Logf("load through 3 kills: %s", load.summary())
	for _, p := range load.problems {
		t.Errorf("during the kills: %s", p)
	}
	for _, p := range failProblems {
		t.Errorf("a wrong passcode got: %s", p)
	}
	load.checkBookkeeping(t, checkOn)

	ctx := context.Background()
	u, err := st.UserByID(ctx, fay.ID)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("wrong passcodes: %d acknowledged, %d sent, %d counted", acknowledged, tried, u.OTPFailures)
	if u.OTPFailures < acknowledged || u.OTPFailures > tried || u.OTPLocked {
		t.Errorf("failure counter after the kills: %d (locked %v); want between the %d acknowledged and the %d sent failures",
			u.OTPFailures, u.OTPLocked, acknowledged, tried)
	}
	at := fleet.RoundRobin(checkOn...)
	for _, c := range used {
		d, err := st.DeviceByUser(ctx, c.u.ID)
		if err != nil {
			t.Fatal(err)
		}
		if d.LastStep < c.step {
			t.Errorf("%s: the passcode step %d accepted before the kill is lost: the device's last step is %d", c.u.Name, c.step, d.LastStep)
		}
		b := fleet.NewBrowser()
		base := at()
		p, err := fleet.FirstFactor(b, func() string { return base }, fleet.NewAuth(f.Issuer, app, "openid"), c.u)
		if err != nil || p.Step() != "otp" {
			t.Fatalf("replay sign-in of %s: %v %s", c.u.Name, err, p.Describe())
		}
		if p, err = b.On(base).Submit(p, map[string]string{"code": c.code}); err != nil || p.Step() != "otp" || p.Status != http.StatusUnauthorized {
			t.Errorf("%s: the passcode accepted before a kill was accepted again after the restart: %v %s", c.u.Name, err, p.Describe())
		}
	}
}

// TestFaultsKillReplicaPostgres: kill -9 of one of two PostgreSQL replicas
// during sign-ins and refreshes, three times; nothing used can be used
// again and no counted failure is lost.
func TestFaultsKillReplicaPostgres(t *testing.T) {
	fleet.NeedFaults(t)
	pg := fleet.NeedPostgres(t)
	t.Parallel()
	f := fleet.New(t, fleet.PostgresDatabase(t, pg), 2, "OTPGATE_LOCKOUT_PASSCODE_ATTEMPTS=100")
	f.StartAll()
	victim, survivor := f.Replicas[0], f.Replicas[1]
	procKillScenario(t, f, victim, fleet.Bases(victim, survivor), fleet.Bases(victim, survivor), nil)
}

// TestFaultsKillReplicaSQLite: kill -9 of a SQLite replica during sign-ins
// and refreshes, three times; PRAGMA integrity_check stays ok after every
// kill, and nothing used can be used again.
func TestFaultsKillReplicaSQLite(t *testing.T) {
	fleet.NeedFaults(t)
	t.Parallel()
	path := filepath.Join(t.TempDir(), "otpgate.db")
	f := fleet.New(t, path, 1, "OTPGATE_LOCKOUT_PASSCODE_ATTEMPTS=100")
	f.StartAll()
	victim := f.Replicas[0]
	check := func(when string) {
		t.Helper()
		st, err := store.Open("sqlite", path)
		if err != nil {
			t.Fatalf("%s: open: %v", when, err)
		}
		defer st.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if v, err := st.Pragma(ctx, "integrity_check"); err != nil || v != "ok" {
			t.Errorf("%s: PRAGMA integrity_check = %q, %v", when, v, err)
		}
	}
	procKillScenario(t, f, victim, []string{victim.Base}, []string{victim.Base}, func(loop int) {
		check("after kill -9 #" + string(rune('1'+loop)))
	})
	victim.Kill()
	check("at the end")
}
