package storetest

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/otpgate/otpgate/provider/store"
)

var throttleCases = []testCase{
	{"Throttle/BudgetsAreApart", testBudgetsAreApart},
	{"Throttle/KnownBrowsers", testKnownBrowsers},
	{"Throttle/Bound", testBound},
	{"Throttle/Decay", testDecay},
	{"Throttle/SignInLink", testSignInLink},
	{"Throttle/DeleteStale", testDeleteStaleThrottles},
	{"Concurrency/BudgetFailuresExact", testRaceBudgets},
}

// bounded is the default policy with a bound of three, for short tests.
var bounded = store.LoginPolicy{Lockout: loginLockout, Decay: time.Hour, Bound: 3}

// fail reserves and confirms one wrong attempt on b.
func fail(t *testing.T, s *store.Store, b store.Budget, p store.LoginPolicy, what string) (store.LoginCounters, bool) {
	t.Helper()
	r, ok, err := s.Reserve(ctx(t), b, p)
	must(t, err, what+": Reserve")
	if !ok {
		return r, false
	}
	c, err := s.Confirm(ctx(t), b, p.Lockout, r)
	must(t, err, what+": Confirm")
	return c, true
}

func counters(t *testing.T, s *store.Store, b store.Budget, what string) store.LoginCounters {
	t.Helper()
	c, err := s.Counters(ctx(t), b)
	must(t, err, what+": Counters")
	return c
}

func testBudgetsAreApart(t *testing.T, s *store.Store, c *clock) {
	newUser(t, s, "u1", "ann")
	must(t, s.RememberBrowser(ctx(t), "u1", hashOf("home")), "RememberBrowser")
	account, browser, name := store.AccountBudget("u1"), store.BrowserBudget("u1", hashOf("home")), store.NameBudget(hashOf("ghost"))
	if got := counters(t, s, name, "a name never tried"); got != (store.LoginCounters{}) {
		t.Fatalf("a name never tried: %+v", got)
	}
	p := store.LoginPolicy{Lockout: loginLockout}
	for i := range loginThreshold {
		fail(t, s, account, p, fmt.Sprint("account failure ", i+1))
	}
	if got := counters(t, s, account, "account"); !got.LoginLocked(c.Now()) || got.LockLevel != 1 || got.Unknown != loginThreshold {
		t.Fatalf("account after the threshold: %+v", got)
	}
	if got := counters(t, s, browser, "browser"); got != (store.LoginCounters{}) {
		t.Fatalf("the known browser's budget changed with the account's: %+v", got)
	}
	if r, ok := fail(t, s, browser, p, "browser failure"); !ok || r.Failures != 1 || r.Unknown != 0 {
		t.Fatalf("the known browser while the account is locked: %+v %v", r, ok)
	}
	for i := range loginThreshold {
		fail(t, s, name, p, fmt.Sprint("name failure ", i+1))
	}
	if got := counters(t, s, name, "name"); !got.LoginLocked(c.Now()) || got.LockLevel != 1 || got.Unknown != loginThreshold {
		t.Fatalf("name after the threshold: %+v", got)
	}
	if r, ok := fail(t, s, store.NameBudget(hashOf("other")), p, "another name"); !ok || r.Failures != 1 {
		t.Fatalf("another name: %+v %v", r, ok)
	}
	// A known browser's success resets it alone; the account's lock holds.
	must(t, s.Succeed(ctx(t), browser), "Succeed browser")
	if got := counters(t, s, browser, "browser after success"); got.Failures != 0 {
		t.Fatalf("browser after success: %+v", got)
	}
	if got := counters(t, s, account, "account after the browser's success"); !got.LoginLocked(c.Now()) {
		t.Fatalf("a known browser's success lifted the account's lock: %+v", got)
	}
	must(t, s.ClearUnknownFailures(ctx(t), "u1"), "ClearUnknownFailures")
	if got := counters(t, s, account, "account after clearing"); got.Unknown != 0 || !got.LoginLocked(c.Now()) {
		t.Fatalf("ClearUnknownFailures: %+v", got)
	}
}

func testKnownBrowsers(t *testing.T, s *store.Store, c *clock) {
	newUser(t, s, "u1", "ann")
	newUser(t, s, "u2", "bob")
	life := 24 * time.Hour
	known := func(user, device string) bool {
		t.Helper()
		ok, err := s.IsKnownBrowser(ctx(t), user, hashOf(device), life)
		must(t, err, "IsKnownBrowser")
		return ok
	}
	if ok, err := s.IsKnownBrowser(ctx(t), "u1", "", life); ok || err != nil {
		t.Fatalf("no device cookie is known: %v %v", ok, err)
	}
	must(t, s.RememberBrowser(ctx(t), "u1", hashOf("shared")), "remember for ann")
	must(t, s.RememberBrowser(ctx(t), "u2", hashOf("shared")), "remember for bob")
	if !known("u1", "shared") || !known("u2", "shared") || known("u1", "other") {
		t.Fatal("one browser is known to both accounts it signed in to, and no other")
	}
	// Its counters survive a new sign-in; its lifetime starts again.
	fail(t, s, store.BrowserBudget("u1", hashOf("shared")), store.LoginPolicy{Lockout: loginLockout}, "failure")
	c.Advance(life - time.Second)
	must(t, s.RememberBrowser(ctx(t), "u1", hashOf("shared")), "sign in again")
	c.Advance(2 * time.Second)
	if !known("u1", "shared") || known("u2", "shared") {
		t.Fatal("the lifetime runs from the latest sign-in of that account")
	}
	if got := counters(t, s, store.BrowserBudget("u1", hashOf("shared")), "after a new sign-in"); got.Failures != 1 {
		t.Fatalf("remembering again reset the browser's counters: %+v", got)
	}
}

func testBound(t *testing.T, s *store.Store, c *clock) {
	newUser(t, s, "u1", "ann")
	account := store.AccountBudget("u1")
	for i := range 3 {
		if _, ok := fail(t, s, account, bounded, fmt.Sprint("failure ", i+1)); !ok {
			t.Fatalf("failure %d refused below the bound", i+1)
		}
	}
	r, ok, err := s.Reserve(ctx(t), account, bounded)
	must(t, err, "Reserve at the bound")
	if ok || !r.AtBound || !r.Refused || r.Unknown != 3 || r.Failures != 3 {
		t.Fatalf("at the bound: %+v ok %v", r, ok)
	}
	// The bound never decays.
	c.Advance(30 * 24 * time.Hour)
	if _, ok, _ := s.Reserve(ctx(t), account, bounded); ok {
		t.Fatal("the bound decayed")
	}
	// Past the bound (an emailed link): counted, still locking at the threshold.
	past := bounded
	past.Bound = 0
	r, ok = fail(t, s, account, past, "past the bound")
	if !ok || r.Unknown != 4 || r.Failures != 1 {
		t.Fatalf("past the bound: %+v %v", r, ok)
	}
	// A released right password gives back both counts; a success clears them.
	r, ok, err = s.Reserve(ctx(t), account, past)
	must(t, err, "reserve a right password")
	if !ok || r.Unknown != 5 {
		t.Fatalf("reserve: %+v %v", r, ok)
	}
	must(t, s.Release(ctx(t), account), "Release")
	if got := counters(t, s, account, "released"); got.Unknown != 4 || got.Failures != 1 {
		t.Fatalf("after release: %+v", got)
	}
	must(t, s.Succeed(ctx(t), account), "Succeed")
	if got := counters(t, s, account, "success"); got != (store.LoginCounters{}) {
		t.Fatalf("after success: %+v", got)
	}
	// An administrator's unlock clears the bound too.
	for range 3 {
		fail(t, s, account, bounded, "again")
	}
	must(t, s.Unlock(ctx(t), "u1"), "Unlock")
	if _, ok, _ := s.Reserve(ctx(t), account, bounded); !ok {
		t.Fatal("refused after an administrator's unlock")
	}
	// A name that is no account has the same bound.
	name := store.NameBudget(hashOf("ghost"))
	for range 3 {
		fail(t, s, name, bounded, "name")
	}
	if r, ok, _ := s.Reserve(ctx(t), name, bounded); ok || !r.AtBound {
		t.Fatalf("a name at the bound: %+v %v", r, ok)
	}
}

func testDecay(t *testing.T, s *store.Store, c *clock) {
	newUser(t, s, "u1", "ann")
	p := store.LoginPolicy{Lockout: loginLockout, Decay: time.Hour}
	for _, b := range []store.Budget{store.AccountBudget("u1"), store.NameBudget(hashOf("ghost"))} {
		for level := range 3 {
			for i := range loginThreshold {
				fail(t, s, b, p, fmt.Sprintf("level %d failure %d", level, i+1))
			}
			c.Advance(loginLockout.LockFor(level))
		}
		if got := counters(t, s, b, "three locks"); got.LockLevel != 3 {
			t.Fatalf("after three locks: %+v", got)
		}
		// 2.5 quiet hours after the last failure: two levels down, the half
		// hour kept; another half hour: one more.
		c.Advance(150*time.Minute - loginLockout.LockFor(2))
		fail(t, s, b, store.LoginPolicy{Lockout: loginLockout, Decay: time.Hour}, "probe")
		if got := counters(t, s, b, "after 2.5 quiet hours"); got.LockLevel != 1 || got.Failures != 1 {
			t.Fatalf("after 2.5 quiet hours: %+v", got)
		}
		c.Advance(time.Hour)
		fail(t, s, b, p, "probe")
		if got := counters(t, s, b, "after another hour"); got.LockLevel != 0 || got.Failures != 1 {
			t.Fatalf("after another quiet hour: %+v", got)
		}
		// No decay while locked, nor without a policy for it.
		c.Advance(2 * time.Hour)
	}
}

func testSignInLink(t *testing.T, s *store.Store, c *clock) {
	newUser(t, s, "u1", "ann")
	newFlow(t, s, "f1")
	newFlow(t, s, "f2")
	must(t, s.AcceptSignInLink(ctx(t), "f1", "u1"), "AcceptSignInLink")
	f, err := s.FlowByID(ctx(t), "f1")
	must(t, err, "FlowByID")
	if f.SignInLinkUser != "u1" {
		t.Fatalf("SignInLinkUser = %q", f.SignInLinkUser)
	}
	newUser(t, s, "u2", "bob")
	must(t, s.IdentifyFlow(ctx(t), "f2", "u1", c.Now()), "identify f2")
	must(t, s.AcceptSignInLink(ctx(t), "f2", "u1"), "a link in a flow at its account's question")
	if err := s.AcceptSignInLink(ctx(t), "f2", "u2"); !errors.Is(err, store.ErrStale) {
		t.Fatalf("a link in a flow that identified another account: %v", err)
	}
	// Sign-in links have their own hourly limit and void their own older ones.
	link := func(id, purpose string) *store.LinkToken {
		return &store.LinkToken{ID: id, TokenHash: hashOf(id), Purpose: purpose, UserID: "u1", FlowID: "f1",
			CreatedAt: c.Now(), ExpiresAt: c.Now().Add(time.Hour)}
	}
	must(t, s.IssueMailedLink(ctx(t), link("r1", store.LinkReset), 1), "reset link")
	must(t, s.IssueMailedLink(ctx(t), link("s1", store.LinkSignIn), 1), "sign-in link")
	wantErr(t, s.IssueMailedLink(ctx(t), link("s2", store.LinkSignIn), 1), store.ErrTooMany, "a second sign-in link in the hour")
	if _, err := s.PeekLinkToken(ctx(t), hashOf("r1"), store.LinkReset); err != nil {
		t.Fatalf("the sign-in link voided the reset link: %v", err)
	}
	if _, err := s.ConsumeLinkToken(ctx(t), hashOf("s1"), store.LinkReset); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("a sign-in link used as a reset link: %v", err)
	}
}

func testDeleteStaleThrottles(t *testing.T, s *store.Store, c *clock) {
	newUser(t, s, "u1", "ann")
	must(t, s.RememberBrowser(ctx(t), "u1", hashOf("old")), "old browser")
	p := store.LoginPolicy{Lockout: loginLockout}
	fail(t, s, store.NameBudget(hashOf("old-name")), p, "old name")
	c.Advance(48 * time.Hour)
	must(t, s.RememberBrowser(ctx(t), "u1", hashOf("new")), "new browser")
	for range loginThreshold {
		fail(t, s, store.NameBudget(hashOf("locked-name")), p, "locked name")
	}
	must(t, s.DeleteStaleThrottles(ctx(t), c.Now().Add(-time.Hour)), "DeleteStaleThrottles")
	life := 90 * 24 * time.Hour
	if ok, _ := s.IsKnownBrowser(ctx(t), "u1", hashOf("old"), life); ok {
		t.Fatal("a stale known browser was kept")
	}
	if ok, _ := s.IsKnownBrowser(ctx(t), "u1", hashOf("new"), life); !ok {
		t.Fatal("a recent known browser was deleted")
	}
	if got := counters(t, s, store.NameBudget(hashOf("old-name")), "old name"); got.Failures != 0 {
		t.Fatalf("a stale name's counters were kept: %+v", got)
	}
	if got := counters(t, s, store.NameBudget(hashOf("locked-name")), "locked name"); !got.LoginLocked(c.Now()) {
		t.Fatalf("a locked name's counters were deleted: %+v", got)
	}
}

// testRaceBudgets: fifty racing wrong attempts on each kind of budget
// check exactly the threshold and lock once; the bound counts exactly.
func testRaceBudgets(t *testing.T, s *store.Store, c *clock) {
	const n = 50
	newUser(t, s, "u1", "ann")
	must(t, s.RememberBrowser(ctx(t), "u1", hashOf("home")), "RememberBrowser")
	for _, b := range []store.Budget{store.AccountBudget("u1"), store.BrowserBudget("u1", hashOf("home")), store.NameBudget(hashOf("ghost"))} {
		checked := make([]bool, n)
		errs := race(n, func(i int) error {
			r, ok, err := s.Reserve(ctx(t), b, store.LoginPolicy{Lockout: loginLockout, Decay: time.Hour, Bound: 100})
			if err != nil || !ok {
				return err
			}
			checked[i] = true
			_, err = s.Confirm(ctx(t), b, loginLockout, r)
			return err
		})
		if ok, _ := tally(t, errs, nil); ok != n {
			t.Fatalf("%d of %d racing attempts without error", ok, n)
		}
		count := 0
		for _, ok := range checked {
			if ok {
				count++
			}
		}
		got := counters(t, s, b, "after the race")
		if count != loginThreshold || got.LockLevel != 1 || !got.LoginLocked(c.Now()) || got.Failures != 0 {
			t.Fatalf("%d racing attempts checked (want %d); counters %+v", count, loginThreshold, got)
		}
	}
	if got := counters(t, s, store.AccountBudget("u1"), "bound"); got.Unknown != loginThreshold {
		t.Fatalf("the bound counted %d, want %d", got.Unknown, loginThreshold)
	}
}
