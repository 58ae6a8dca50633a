package admin_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/otpgate/otpgate/mfa"
	"github.com/otpgate/otpgate/provider/admin"
	"github.com/otpgate/otpgate/provider/store"
)

func TestAddUser(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		u, err := e.svc.AddUser(e.ctx(), actor, admin.NewUser{Username: " Nora ", Email: "nora@example.com",
			Name: " Nora Brandt ", GivenName: "Nora", FamilyName: "Brandt", Password: "tulip-aron-granite-4", RequireMFA: true})
		if err != nil {
			t.Fatal(err)
		}
		got := e.user(u.ID)
		if got.Username != "nora" || !got.MustChangePassword || !got.RequireMFA || got.Email != "nora@example.com" ||
			got.Name != "Nora Brandt" || got.GivenName != "Nora" || got.FamilyName != "Brandt" ||
			!strings.HasPrefix(got.ID, "u_") || len(got.ID) != 28 {
			t.Errorf("stored user %+v", got)
		}
		if ok, _ := e.hasher.Verify("tulip-aron-granite-4", got.PasswordHash); !ok {
			t.Error("the stored hash does not verify the password")
		}
		ev := e.lastEvent()
		if ev.Event != store.EventAdminUser || ev.UserID != u.ID || ev.Username != "nora" ||
			ev.Detail != "user created; must set a new password and security question at first sign-in; require-mfa on" {
			t.Errorf("audit event %+v", ev)
		}
		e.wantNoSecret("tulip-aron-granite-4", got.PasswordHash)

		_, err = e.svc.AddUser(e.ctx(), actor, admin.NewUser{Username: "NORA", Password: "another-long-password"})
		if !errors.Is(err, admin.ErrUsernameTaken) {
			t.Errorf("AddUser of a taken name: %v, want ErrUsernameTaken", err)
		}
		if n := len(e.events()); n != 1 {
			t.Errorf("a refused add wrote an audit event: %d events", n)
		}
	})
}

func TestAddUserRefusesBadInput(t *testing.T) {
	e := newEnv(t, openSQLite(t), nil)
	long := strings.Repeat("x", 1025)
	for _, tc := range []struct {
		name  string
		actor string
		in    admin.NewUser
		field string
	}{
		{"no username", actor, admin.NewUser{Password: "long-enough-password"}, "username"},
		{"username with a space", actor, admin.NewUser{Username: "a b", Password: "long-enough-password"}, "username"},
		{"username too long", actor, admin.NewUser{Username: strings.Repeat("a", 129), Password: "long-enough-password"}, "username"},
		{"bad email", actor, admin.NewUser{Username: "a", Email: "not-an-email", Password: "long-enough-password"}, "email"},
		{"name on two lines", actor, admin.NewUser{Username: "a", Name: "Ann\nBcc: x", Password: "long-enough-password"}, "name"},
		{"name too long", actor, admin.NewUser{Username: "a", Name: strings.Repeat("é", 201), Password: "long-enough-password"}, "name"},
		{"given name with a bidi override", actor, admin.NewUser{Username: "a", GivenName: "Ann\u202e", Password: "long-enough-password"}, "given-name"},
		{"family name with a control", actor, admin.NewUser{Username: "a", FamilyName: "B\x00", Password: "long-enough-password"}, "family-name"},
		{"no password", actor, admin.NewUser{Username: "a"}, "password"},
		{"short password", actor, admin.NewUser{Username: "a", Password: "short"}, "password"},
		{"long password", actor, admin.NewUser{Username: "a", Password: long}, "password"},
		{"no actor", "", admin.NewUser{Username: "a", Password: "long-enough-password"}, "actor"},
		{"unprintable actor", "cli:\x1b[2J", admin.NewUser{Username: "a", Password: "long-enough-password"}, "actor"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.svc.AddUser(e.ctx(), tc.actor, tc.in)
			var ie *admin.InputError
			if !errors.Is(err, admin.ErrInvalidInput) || !errors.As(err, &ie) || ie.Field != tc.field {
				t.Fatalf("AddUser: %v, want an input error on %s", err, tc.field)
			}
		})
	}
	if users, _ := e.store.ListUsers(e.ctx()); len(users) != 0 || len(e.events()) != 0 {
		t.Errorf("refused adds left %d users and %d events", len(users), len(e.events()))
	}
}

// TestUserActions: each action changes what it says, revokes what it must,
// and writes its one audit event with the actor.
func TestUserActions(t *testing.T) {
	for _, tc := range []struct {
		name   string
		act    func(e *env, name string) error
		detail string
		revoke bool
		check  func(t *testing.T, e *env, u *store.User)
	}{
		{"set password", func(e *env, n string) error {
			_, err := e.svc.SetPassword(e.ctx(), actor, n, "a-temporary-password")
			return err
		}, "temporary password set (must change it at the next sign-in); sessions and tokens revoked", true,
			func(t *testing.T, e *env, u *store.User) {
				if ok, _ := e.hasher.Verify("a-temporary-password", u.PasswordHash); !ok || !u.MustChangePassword {
					t.Errorf("after SetPassword: verifies %v, must change %v", ok, u.MustChangePassword)
				}
				e.wantNoSecret("a-temporary-password", u.PasswordHash)
			}},
		{"disable", func(e *env, n string) error {
			_, err := e.svc.SetDisabled(e.ctx(), actor, n, true)
			return err
		}, "disabled; sessions and tokens revoked", true,
			func(t *testing.T, _ *env, u *store.User) {
				if !u.Disabled {
					t.Error("not disabled")
				}
			}},
		{"enable", func(e *env, n string) error {
			_, err := e.svc.SetDisabled(e.ctx(), actor, n, false)
			return err
		}, "enabled", false,
			func(t *testing.T, _ *env, u *store.User) {
				if u.Disabled {
					t.Error("still disabled")
				}
			}},
		{"require-mfa on", func(e *env, n string) error {
			_, err := e.svc.RequireMFA(e.ctx(), actor, n, true)
			return err
		}, "set require-mfa on", false,
			func(t *testing.T, _ *env, u *store.User) {
				if !u.RequireMFA {
					t.Error("require-mfa not on")
				}
			}},
		{"names", func(e *env, n string) error {
			name, given, family := " Olga Petrova ", "Olga", ""
			_, err := e.svc.UpdateUser(e.ctx(), actor, n, admin.UserChange{Name: &name, GivenName: &given, FamilyName: &family})
			return err
		}, `name set to "Olga Petrova"; given name set to "Olga"; family name cleared`, false,
			func(t *testing.T, _ *env, u *store.User) {
				if u.Name != "Olga Petrova" || u.GivenName != "Olga" || u.FamilyName != "" || u.DisplayName() != "Olga Petrova" {
					t.Errorf("names %q %q %q", u.Name, u.GivenName, u.FamilyName)
				}
			}},
		{"unlock", func(e *env, n string) error {
			_, err := e.svc.Unlock(e.ctx(), actor, n)
			return err
		}, "no password/answer lock was in place; failure count cleared", false, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			backends(t, func(t *testing.T, e *env) {
				u := e.addUser("olga", "")
				live := e.signIn(u)
				if err := tc.act(e, "OLGA"); err != nil {
					t.Fatal(err)
				}
				ev := e.lastEvent()
				if ev.UserID != u.ID || ev.Username != "olga" || ev.Detail != tc.detail {
					t.Errorf("audit event %+v, want detail %q", ev, tc.detail)
				}
				if tc.revoke {
					live.wantRevoked(t, e)
				} else {
					live.wantLive(t, e)
				}
				if tc.check != nil {
					tc.check(t, e, e.user(u.ID))
				}
				// An unknown user: ErrUserNotFound, nothing written.
				before := len(e.events())
				if err := tc.act(e, "ghost"); !errors.Is(err, admin.ErrUserNotFound) {
					t.Errorf("on an unknown user: %v, want ErrUserNotFound", err)
				}
				if len(e.events()) != before {
					t.Error("an action on an unknown user wrote an audit event")
				}
			})
		})
	}
}

func TestUnlockLiftsTheLoginLockOnly(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		u := e.addUser("mia", "")
		if _, err := e.store.RecordLoginFailure(e.ctx(), u.ID, mfa.Lockout{Threshold: 1, Base: time.Minute, Max: time.Hour}); err != nil {
			t.Fatal(err)
		}
		for range 5 {
			if _, err := e.store.RecordOTPFailure(e.ctx(), u.ID, 5); err != nil {
				t.Fatal(err)
			}
		}
		until := e.user(u.ID).LoginLockedUntil
		res, err := e.svc.Unlock(e.ctx(), actor, "mia")
		if err != nil {
			t.Fatal(err)
		}
		if !res.WasLocked || !res.StillOTPLocked {
			t.Errorf("Unlock result %+v, want was locked and still passcode-locked", res)
		}
		got := e.user(u.ID)
		if got.LoginLockedUntil != 0 || got.LoginFailures != 0 || got.LoginLockLevel != 0 || !got.OTPLocked {
			t.Errorf("after Unlock %+v", got)
		}
		want := "password/answer lock until " + time.Unix(until, 0).UTC().Format(time.RFC3339) + " lifted; failure count cleared"
		if ev := e.lastEvent(); ev.Event != store.EventUnlock || ev.Detail != want {
			t.Errorf("audit event %+v, want %q", ev, want)
		}
	})
}

func TestSetPasswordRefusesAShortOne(t *testing.T) {
	e := newEnv(t, openSQLite(t), nil)
	u := e.addUser("pat", "")
	_, err := e.svc.SetPassword(e.ctx(), actor, "pat", "short")
	var ie *admin.InputError
	if !errors.As(err, &ie) || ie.Field != "password" || ie.Message != "the password must be at least 12 characters long" {
		t.Fatalf("SetPassword short: %v", err)
	}
	if got := e.user(u.ID); got.PasswordHash != u.PasswordHash || len(e.events()) != 1 {
		t.Error("a refused SetPassword changed the password or wrote an event")
	}
}

// TestPasswordsFollowTheSignInPolicy: a password an administrator sets (a
// temporary one until the person changes it) is refused for the same
// reasons as one the person chooses: common or patterned, or containing
// the account's own words; full-width input is hashed in its NFKC form.
func TestPasswordsFollowTheSignInPolicy(t *testing.T) {
	e := newEnv(t, openSQLite(t), nil)
	u := e.addUser("quincy", "qbert@example.com")
	for pw, want := range map[string]string{
		"password1234":          "too easy to guess",
		"qwertyuiopasdf":        "too easy to guess",
		"Quincy-garden-party-7": "must not contain the username",
		"tea-with-qbert-today":  "must not contain the username",
		"otpgate-garden-party":  "must not contain the username",
	} {
		_, err := e.svc.SetPassword(e.ctx(), actor, "quincy", pw)
		var ie *admin.InputError
		if !errors.As(err, &ie) || ie.Field != "password" || !strings.Contains(ie.Message, want) {
			t.Errorf("SetPassword %q: %v, want %q", pw, err, want)
		}
		_, err = e.svc.AddUser(e.ctx(), actor, admin.NewUser{Username: "quincy", Email: "qbert@example.com", Password: pw})
		if !errors.As(err, &ie) || ie.Field != "password" {
			t.Errorf("AddUser with %q: %v", pw, err)
		}
	}
	if _, err := e.svc.SetPassword(e.ctx(), actor, "quincy", "ｗｈａｒｆ－ｓｔａｐｌｅ－ｏｒｂｉｔ－９"); err != nil {
		t.Fatal(err)
	}
	if ok, legacy, _ := e.hasher.VerifyPassword(context.Background(), "wharf-staple-orbit-9", e.user(u.ID).PasswordHash); !ok || legacy {
		t.Errorf("a full-width password was not stored in its NFKC form: ok %v legacy %v", ok, legacy)
	}
}

// TestUnlockClearsTheUnknownBrowsersBound: an administrator's unlock also
// clears the count of failures from unknown browsers toward the bound,
// and says so; a known browser's own counters are kept.
func TestUnlockClearsTheUnknownBrowsersBound(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		u := e.addUser("max", "")
		policy := store.LoginPolicy{Lockout: mfa.Lockout{Threshold: 1000, Base: time.Minute, Max: time.Hour}}
		if err := e.store.RememberBrowser(e.ctx(), u.ID, "home"); err != nil {
			t.Fatal(err)
		}
		for _, b := range []store.Budget{store.AccountBudget(u.ID), store.AccountBudget(u.ID), store.BrowserBudget(u.ID, "home")} {
			r, ok, err := e.store.Reserve(e.ctx(), b, policy)
			if err != nil || !ok {
				t.Fatalf("reserve: %v %v", ok, err)
			}
			if _, err := e.store.Confirm(e.ctx(), b, policy.Lockout, r); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := e.svc.Unlock(e.ctx(), actor, "max"); err != nil {
			t.Fatal(err)
		}
		if got := e.user(u.ID); got.UnknownFailures != 0 || got.LoginFailures != 0 {
			t.Errorf("after Unlock: %d unknown-browser failures, %d failures", got.UnknownFailures, got.LoginFailures)
		}
		if c, err := e.store.Counters(e.ctx(), store.BrowserBudget(u.ID, "home")); err != nil || c.Failures != 1 {
			t.Errorf("the known browser's counters after Unlock: %+v %v", c, err)
		}
		if ev := e.lastEvent(); !strings.Contains(ev.Detail, "2 consecutive failures from unknown browsers cleared") {
			t.Errorf("audit event %+v", ev)
		}
	})
}

// TestAddUserRefusesLookAlikes: a username that looks like an existing one
// (UTS #39 confusables: a Cyrillic а, a full-width form, 1 for l) is
// refused with the existing name, and nothing is created or audited.
func TestAddUserRefusesLookAlikes(t *testing.T) {
	e := newEnv(t, openSQLite(t), nil)
	e.addUser("alice", "")
	before := len(e.events())
	for _, name := range []string{"\u0430lice", "ａｌｉｃｅ", "a1ice"} {
		_, err := e.svc.AddUser(e.ctx(), actor, admin.NewUser{Username: name, Password: "tulip-granite-orbit-7"})
		var ie *admin.InputError
		if !errors.As(err, &ie) || ie.Field != "username" || !strings.Contains(ie.Message, `looks like the existing user "alice"`) {
			t.Errorf("AddUser %q: %v", name, err)
		}
	}
	if len(e.events()) != before {
		t.Error("a refused look-alike was audited")
	}
}

// TestUpdateUserNames: a change sets only the names it gives and keeps
// the others; a change without a name, or with a name that would show
// other text than the one stored, is refused and writes nothing.
func TestUpdateUserNames(t *testing.T) {
	e := newEnv(t, openSQLite(t), nil)
	u, err := e.svc.AddUser(e.ctx(), actor, admin.NewUser{Username: "pia", Name: "Pia Lind", GivenName: "Pia",
		FamilyName: "Lind", Password: "tulip-aron-granite-4"})
	if err != nil {
		t.Fatal(err)
	}
	family := "Lind-Berg"
	if _, err := e.svc.UpdateUser(e.ctx(), actor, "pia", admin.UserChange{FamilyName: &family}); err != nil {
		t.Fatal(err)
	}
	if got := e.user(u.ID); got.Name != "Pia Lind" || got.GivenName != "Pia" || got.FamilyName != "Lind-Berg" {
		t.Errorf("after changing the family name: %q %q %q", got.Name, got.GivenName, got.FamilyName)
	}
	before := len(e.events())
	bad := "Pia\r\nLind"
	for _, tc := range []struct {
		name  string
		c     admin.UserChange
		field string
	}{
		{"nothing to change", admin.UserChange{}, ""},
		{"name with a line break", admin.UserChange{Name: &bad}, "name"},
		{"given name with a line break", admin.UserChange{GivenName: &bad}, "given-name"},
	} {
		_, err := e.svc.UpdateUser(e.ctx(), actor, "pia", tc.c)
		var ie *admin.InputError
		if !errors.As(err, &ie) || ie.Field != tc.field {
			t.Errorf("%s: %v, want an input error on %q", tc.name, err, tc.field)
		}
	}
	if got := e.user(u.ID); got.Name != "Pia Lind" || len(e.events()) != before {
		t.Errorf("refused changes wrote: name %q, %d new events", got.Name, len(e.events())-before)
	}
}
