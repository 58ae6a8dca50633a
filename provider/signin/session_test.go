package signin_test

import (
	"errors"
	"testing"
	"time"

	"github.com/otpgate/otpgate/provider/signin"
	"github.com/otpgate/otpgate/provider/store"
)

// TestUseSession: a browser session finishes a new flow only when the
// request allows it (no prompt=login, max_age not exceeded, the
// id_token_hint's subject) and the session is as strong as the flow needs:
// a first-factor session never does for a user who has a device or a
// request that asks for MFA.
func TestUseSession(t *testing.T) {
	t.Parallel()
	backends(t, func(t *testing.T, e *env) {
		alice, bob, carl := e.user("alice"), e.user("bob"), e.user("carl")
		bobSecret, _ := e.device(bob)
		firstFactor := e.finish(e.signIn(alice), "")
		j := e.signIn(bob)
		r, err := e.svc.Passcode(ctxOf(t), j, e.code(bobSecret, 0))
		wantResult(t, r, err, signin.Result{Outcome: signin.Passed}, "bob's passcode")
		mfaSession := e.finish(j, "")
		carlSession := e.finish(e.signIn(carl), "")
		e.device(carl) // enrolled elsewhere after this session began
		e.clock.Advance(2 * time.Minute)

		maxAge := func(s int64) func(*store.Flow) { return func(f *store.Flow) { f.MaxAge = &s } }
		tests := []struct {
			name    string
			session string
			flow    func(*store.Flow)
			want    string // user the flow finishes as; "" when the session is refused
		}{
			{"a first-factor session suffices when nothing more is needed", firstFactor, nil, alice.ID},
			{"no session", "", nil, ""},
			{"unknown session", "not-a-session", nil, ""},
			{"prompt=login demands the steps again", firstFactor, func(f *store.Flow) { f.Prompt = store.StringList{"login"} }, ""},
			{"max_age exceeded", firstFactor, maxAge(60), ""},
			{"max_age not exceeded", firstFactor, maxAge(600), alice.ID},
			{"id_token_hint names another user", firstFactor, func(f *store.Flow) { f.IDTokenHintSubject = bob.ID }, ""},
			{"id_token_hint names the session's user", firstFactor, func(f *store.Flow) { f.IDTokenHintSubject = alice.ID }, alice.ID},
			{"a request for MFA refuses a first-factor session", firstFactor, func(f *store.Flow) { f.ACRValues = signin.ACRMFA }, ""},
			{"a first-factor session is refused once the user has a device", carlSession, nil, ""},
			{"an MFA session suffices for a user with a device", mfaSession, nil, bob.ID},
			{"an MFA session suffices for a request for MFA", mfaSession, func(f *store.Flow) { f.ACRValues = signin.ACRMFA }, bob.ID},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				e := e.in(t)
				var mods []func(*store.Flow)
				if tc.flow != nil {
					mods = append(mods, tc.flow)
				}
				j := e.flow(mods...)
				ok, err := e.svc.UseSession(ctxOf(t), j.Flow, tc.session, "")
				must(t, err, "use session")
				f := e.flowRow(j)
				if ok != (tc.want != "") || (f.DoneAt != nil) != ok || f.UserID != tc.want {
					t.Fatalf("used %v, flow done %v as %q; want the flow finished as %q", ok, f.DoneAt != nil, f.UserID, tc.want)
				}
			})
		}
	})
}

// TestCheckBrowser: the library's callback of a flow is honoured only in
// the flow's browser and only while its account is enabled.
func TestCheckBrowser(t *testing.T) {
	t.Parallel()
	backends(t, func(t *testing.T, e *env) {
		alice := e.user("alice")
		j := e.signIn(alice)
		e.finish(j, "")
		tests := []struct {
			name, id, browser string
			disable           bool
			want              error
		}{
			{"its own browser", j.Flow.ID, j.Flow.BrowserHash, false, nil},
			{"another browser", j.Flow.ID, browserOf("elsewhere"), false, signin.ErrWrongBrowser},
			{"no browser", j.Flow.ID, "", false, signin.ErrWrongBrowser},
			{"unknown flow", "flow-unknown", j.Flow.BrowserHash, false, signin.ErrNoRequest},
			{"malformed id", "", j.Flow.BrowserHash, false, signin.ErrBadRequest},
			{"account disabled after its last step", j.Flow.ID, j.Flow.BrowserHash, true, signin.ErrAccountGone},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				if tc.disable {
					must(t, e.store.SetUserDisabled(ctxOf(t), alice.ID, true), "disable")
				}
				if _, err := e.svc.CheckBrowser(ctxOf(t), tc.id, tc.browser); !errors.Is(err, tc.want) {
					t.Fatalf("got %v, want %v", err, tc.want)
				}
			})
		}
	})
}

// withSessionIdle sets login.session_idle_timeout.
func withSessionIdle(d time.Duration) option {
	return func(c *signin.Config, _ *signin.Deps) { c.SessionIdle = d }
}

// TestSessionIdleTimeout: a browser session unused for the idle timeout
// ends; every single sign-on restarts the idle time, but never past the
// session's lifetime.
func TestSessionIdleTimeout(t *testing.T) {
	t.Parallel()
	const idle = 30 * time.Minute
	backends(t, func(t *testing.T, e *env) {
		use := func(session string) bool {
			t.Helper()
			ok, err := e.svc.UseSession(ctxOf(t), e.flow().Flow, session, "")
			must(t, err, "use session")
			return ok
		}
		alice, bob := e.user("alice"), e.user("bob")
		session := e.finish(e.signIn(alice), "")
		e.clock.Advance(idle - time.Minute)
		if !use(session) {
			t.Fatal("a session used within the idle timeout was refused")
		}
		e.clock.Advance(idle - time.Minute) // an hour after sign-in, but used half an hour ago
		if !use(session) {
			t.Fatal("a use did not restart the idle time")
		}
		e.clock.Advance(idle)
		if use(session) {
			t.Fatal("a session idle for the timeout was used")
		}

		// Used often, it still ends with its lifetime.
		busy := e.finish(e.signIn(bob), "")
		for elapsed := time.Duration(0); elapsed+20*time.Minute < e.cfg.SessionLifetime; elapsed += 20 * time.Minute {
			e.clock.Advance(20 * time.Minute)
			if !use(busy) {
				t.Fatalf("a session in use refused %v after sign-in", elapsed+20*time.Minute)
			}
		}
		e.clock.Advance(20 * time.Minute)
		if use(busy) {
			t.Fatal("a session in use outlived its lifetime")
		}
	}, withSessionIdle(idle))
}
