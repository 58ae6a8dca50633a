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
func procKillScenario(t *testing.T, f *procFleet, victim *procReplica, targets, checkOn []string, afterKill func(loop int)) {
	t.Helper()
	app := f.addClient("app")
	st := f.openStore()
	var users []*procUser
	for _, name := range []string{"k0", "k1", "k2", "k3"} {
		users = append(users, f.addUser(st, name, false))
	}
	fay := f.addUser(st, "fay", true)
	procEnrollUser(t, checkOn[0], f.issuer, app, fay)
	var otpUsers []*procUser
	for _, name := range []string{"m0", "m1", "m2"} {
		u := f.addUser(st, name, true)
		procEnrollUser(t, checkOn[0], f.issuer, app, u)
		otpUsers = append(otpUsers, u)
	}

	// Wrong passcodes for fay, from one sign-in parked at the passcode
	// step, on the targets in turn.
	failBrowser := newProcBrowser()
	failPage, err := procFirstFactor(failBrowser, func() string { return checkOn[0] }, newProcAuth(f.issuer, app, "openid"), fay)
	if err != nil || failPage.step() != "otp" {
		t.Fatalf("parking fay at the passcode step: %v %s", err, failPage.describe())
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
		next := procRoundRobin(targets...)
		wrong := procWrongCode(fay.secret)
		for tried < 60 {
			select {
			case <-stopFail:
				return
			case <-time.After(40 * time.Millisecond):
			}
			failMu.Lock()
			tried++
			failMu.Unlock()
			p, err := failBrowser.submit(failPage, next(), map[string]string{"code": wrong})
			if err != nil {
				continue // the replica was down: counted or not
			}
			failMu.Lock()
			if p.step() == "otp" && p.status == http.StatusUnauthorized {
				acknowledged++
				failPage = p
			} else if p.status != http.StatusServiceUnavailable {
				failProblems = append(failProblems, p.describe())
			}
			failMu.Unlock()
		}
	}()

	load := newProcLoad(f.issuer, app, users, procRoundRobin(targets...))
	load.transportOK = true
	stopLoad := load.start(t, 3)
	type usedCode struct {
		u    *procUser
		code string
		step int64
	}
	var used []usedCode
	for loop := range 3 {
		time.Sleep(time.Duration(700+rand.IntN(800)) * time.Millisecond)
		// A passcode accepted on the victim just before it dies.
		u := otpUsers[loop]
		b := newProcBrowser()
		auth := newProcAuth(f.issuer, app, "openid")
		p, err := procFirstFactor(b, func() string { return victim.base }, auth, u)
		if err != nil || p.step() != "otp" {
			t.Fatalf("loop %d: sign-in of %s: %v %s", loop, u.name, err, p.describe())
		}
		step := mfa.Default.Step(time.Now()) + 1
		code, _ := mfa.Default.Code(u.secret, step)
		if p, err = b.submit(p, victim.base, map[string]string{"code": code}); err != nil || p.rpQuery().Get("code") == "" {
			t.Fatalf("loop %d: passcode of %s: %v %s", loop, u.name, err, p.describe())
		}
		used = append(used, usedCode{u: u, code: code, step: step})
		time.Sleep(time.Duration(100+rand.IntN(300)) * time.Millisecond)
		victim.kill()
		if afterKill != nil {
			afterKill(loop)
		}
		time.Sleep(300 * time.Millisecond)
		victim.start()
		victim.waitReady(30 * time.Second)
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
	u, err := st.UserByID(ctx, fay.id)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("wrong passcodes: %d acknowledged, %d sent, %d counted", acknowledged, tried, u.OTPFailures)
	if u.OTPFailures < acknowledged || u.OTPFailures > tried || u.OTPLocked {
		t.Errorf("failure counter after the kills: %d (locked %v); want between the %d acknowledged and the %d sent failures",
			u.OTPFailures, u.OTPLocked, acknowledged, tried)
	}
	at := procRoundRobin(checkOn...)
	for _, c := range used {
		d, err := st.DeviceByUser(ctx, c.u.id)
		if err != nil {
			t.Fatal(err)
		}
		if d.LastStep < c.step {
			t.Errorf("%s: the passcode step %d accepted before the kill is lost: the device's last step is %d", c.u.name, c.step, d.LastStep)
		}
		b := newProcBrowser()
		base := at()
		p, err := procFirstFactor(b, func() string { return base }, newProcAuth(f.issuer, app, "openid"), c.u)
		if err != nil || p.step() != "otp" {
			t.Fatalf("replay sign-in of %s: %v %s", c.u.name, err, p.describe())
		}
		if p, err = b.submit(p, base, map[string]string{"code": c.code}); err != nil || p.step() != "otp" || p.status != http.StatusUnauthorized {
			t.Errorf("%s: the passcode accepted before a kill was accepted again after the restart: %v %s", c.u.name, err, p.describe())
		}
	}
}

// TestFaultsKillReplicaPostgres: kill -9 of one of two PostgreSQL replicas
// during sign-ins and refreshes, three times; nothing used can be used
// again and no counted failure is lost.
func TestFaultsKillReplicaPostgres(t *testing.T) {
	pg := procNeedPostgres(t)
	t.Parallel()
	f := newProcFleet(t, procPostgresDatabase(t, pg), 2, "OTPGATE_LOCKOUT_PASSCODE_ATTEMPTS=100")
	f.startAll()
	victim, survivor := f.replicas[0], f.replicas[1]
	procKillScenario(t, f, victim, replicaBases(victim, survivor), replicaBases(victim, survivor), nil)
}

// TestFaultsKillReplicaSQLite: kill -9 of a SQLite replica during sign-ins
// and refreshes, three times; PRAGMA integrity_check stays ok after every
// kill, and nothing used can be used again.
func TestFaultsKillReplicaSQLite(t *testing.T) {
	procNeedLong(t)
	t.Parallel()
	path := filepath.Join(t.TempDir(), "otpgate.db")
	f := newProcFleet(t, path, 1, "OTPGATE_LOCKOUT_PASSCODE_ATTEMPTS=100")
	f.startAll()
	victim := f.replicas[0]
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
	procKillScenario(t, f, victim, []string{victim.base}, []string{victim.base}, func(loop int) {
		check("after kill -9 #" + string(rune('1'+loop)))
	})
	victim.kill()
	check("at the end")
}
