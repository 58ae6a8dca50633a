package storetest

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/otpgate/otpgate/provider/store"
)

var rememberedCases = []testCase{
	{"Remembered/FinishNeedsUsableRow", testRememberedFinishGuard},
	{"Remembered/SessionFinishNeedsUsableRow", testRememberedSessionFinish},
	{"Remembered/OnlyItsOwnAccount", testRememberedOtherUser},
	{"Remembered/GoneWithResetsAndPasswords", testRememberedRevokedByChanges},
	{"Remembered/OnlyWhereTheFlowAllows", testRememberedFlowLimits},
	{"Remembered/BoundToItsDevice", testRememberedBoundToDevice},
	{"Remembered/ListAndRevoke", testRememberedListRevoke},
	{"Concurrency/RevokeRacesRememberedFinish", testRaceRevokeRemembered},
}

// rememberedAMR is what a sign-in whose passcode a remembered browser
// stood in for claims.
var rememberedAMR = []string{"pwd", "kba"}

// rememberingClient registers testClient with remember_browser on.
func rememberingClient(t *testing.T, s *store.Store, on bool) {
	t.Helper()
	must(t, s.CreateClient(ctx(t), &store.Client{ID: testClient, RememberBrowser: on, RedirectURIs: store.StringList{"https://app.example/cb"},
		PostLogoutRedirectURIs: store.StringList{}}), "CreateClient")
}

// remember stores a remembered browser of userID whose cookie is token,
// valid for days.
func remember(t *testing.T, s *store.Store, userID, token string, days int) *store.RememberedBrowser {
	t.Helper()
	b := &store.RememberedBrowser{TokenHash: hashOf(token), UserID: userID, DeviceID: "dev-" + userID, ClientID: testClient, Label: "Firefox on Linux",
		ExpiresAt: s.Now().Add(time.Duration(days) * 24 * time.Hour)}
	must(t, s.AddRememberedBrowser(ctx(t), b), "AddRememberedBrowser "+token)
	return b
}

// answeredFlow is flow id of userID past its password and question, at
// its passcode.
func answeredFlow(t *testing.T, s *store.Store, id, userID string) {
	t.Helper()
	newFlow(t, s, id)
	must(t, s.IdentifyFlow(ctx(t), id, userID, s.Now()), "IdentifyFlow "+id)
	must(t, s.MarkFlow(ctx(t), id, userID, store.StepQuestion, s.Now()), "MarkFlow question "+id)
}

// finishRemembered finishes flow id of userID with the remembered browser
// whose cookie is token standing in for the passcode.
func finishRemembered(s *store.Store, t *testing.T, id, userID, token string) error {
	r := store.FlowResult{UserID: userID, AMR: rememberedAMR, ACR: "remembered", AuthTime: s.Now(), RememberedBrowser: hashOf(token)}
	return s.FinishFlow(ctx(t), id, r, true, s.Now())
}

func testRememberedFinishGuard(t *testing.T, s *store.Store, c *clock) {
	rememberingClient(t, s, true)
	equip(t, s, "u1", "ann")
	answeredFlow(t, s, "f1", "u1")
	// No passcode and no remembered browser: refused.
	r := store.FlowResult{UserID: "u1", AMR: rememberedAMR, ACR: "remembered", AuthTime: s.Now()}
	wantErr(t, s.FinishFlow(ctx(t), "f1", r, true, s.Now()), store.ErrStale, "finish without a passcode")
	wantErr(t, finishRemembered(s, t, "f1", "u1", "no-such-cookie"), store.ErrStale, "finish with an unknown remembered browser")
	b := remember(t, s, "u1", "cookie-1", 30)
	// A remembered browser never lets a result claim the passcode.
	claim := store.FlowResult{UserID: "u1", AMR: []string{"pwd", "kba", "otp", "mfa"}, ACR: "mfa", AuthTime: s.Now(),
		RememberedBrowser: hashOf("cookie-1")}
	wantErr(t, s.FinishFlow(ctx(t), "f1", claim, true, s.Now()), store.ErrStale, "a remembered finish claiming otp")
	if f := flowOf(t, s, "f1"); f.DoneAt != nil {
		t.Fatalf("a refused finish finished the flow")
	}
	c.Advance(time.Hour)
	must(t, finishRemembered(s, t, "f1", "u1", "cookie-1"), "finish with the remembered browser")
	if f := flowOf(t, s, "f1"); f.DoneAt == nil || f.OTPAt != nil || slices.Contains(f.AMR, "otp") {
		t.Fatalf("the remembered finish: done %v otp %v amr %v", f.DoneAt, f.OTPAt, f.AMR)
	}
	rows, err := s.RememberedBrowsers(ctx(t), "u1")
	must(t, err, "RememberedBrowsers")
	if len(rows) != 1 || rows[0].ID != b.ID || !rows[0].LastUsedAt.Equal(s.Now()) {
		t.Fatalf("last use not recorded: %+v", rows)
	}
}

func testRememberedOtherUser(t *testing.T, s *store.Store, _ *clock) {
	rememberingClient(t, s, true)
	equip(t, s, "ua", "ann")
	equip(t, s, "ub", "bob")
	remember(t, s, "ua", "cookie-a", 30)
	if ok, err := s.RememberedBrowserUsable(ctx(t), "ub", hashOf("cookie-a")); err != nil || ok {
		t.Fatalf("ann's remembered browser usable for bob: %v, %v", ok, err)
	}
	answeredFlow(t, s, "fb", "ub")
	wantErr(t, finishRemembered(s, t, "fb", "ub", "cookie-a"), store.ErrStale, "bob's finish with ann's cookie")
	// The same cookie hash cannot be planted for another account either.
	b := &store.RememberedBrowser{TokenHash: hashOf("cookie-a"), UserID: "ub", DeviceID: "dev-ub", ExpiresAt: s.Now().Add(time.Hour)}
	if err := s.AddRememberedBrowser(ctx(t), b); err == nil {
		t.Fatalf("a second row with ann's token hash was stored for bob")
	}
}

func testRememberedRevokedByChanges(t *testing.T, s *store.Store, c *clock) {
	rememberingClient(t, s, true)
	type change struct {
		name string
		do   func(userID string)
	}
	changes := []change{
		{"expiry", func(string) { c.Advance(31 * 24 * time.Hour) }},
		{"admin reset", func(u string) {
			must(t, s.AdminResetDevice(ctx(t), u, "proof", s.Now().Add(time.Hour)), "AdminResetDevice")
		}},
		{"temporary password", func(u string) { must(t, s.SetUserPassword(ctx(t), u, "new-hash", true), "SetUserPassword") }},
		{"password set at sign-in", func(u string) {
			must(t, s.FinishSetup(ctx(t), u, store.UserSetup{PasswordHash: "new-hash"}), "FinishSetup")
		}},
		{"disabled", func(u string) { must(t, s.SetUserDisabled(ctx(t), u, true), "SetUserDisabled") }},
		{"passcode lock", func(u string) {
			for range 5 {
				n, ok, err := s.ReserveOTPAttempt(ctx(t), u, 5)
				must(t, err, "ReserveOTPAttempt")
				if ok {
					_, err = s.ConfirmOTPFailure(ctx(t), u, 5, n)
					must(t, err, "ConfirmOTPFailure")
				}
			}
		}},
		{"password changed on the account page", func(u string) {
			must(t, s.ChangeAccount(ctx(t), u, store.PasswordChange{OldHash: "hash-" + u, NewHash: "new-hash",
				KeepSession: hashOf("cookie-" + u)}), "ChangeAccount password")
		}},
		{"device replaced on the account page", func(u string) {
			must(t, s.ReplaceDevice(ctx(t), store.Replacement{OldDeviceID: "dev-" + u,
				Device:      &store.Device{ID: "new-dev-" + u, UserID: u, App: "authy", Secret: []byte("sealed new")},
				KeepSession: hashOf("cookie-" + u)}), "ReplaceDevice")
		}},
		{"self-service reset", func(u string) {
			newFlow(t, s, "reset-"+u)
			must(t, s.IdentifyFlow(ctx(t), "reset-"+u, u, s.Now()), "IdentifyFlow")
			must(t, s.SelfResetDevice(ctx(t), "reset-"+u, u), "SelfResetDevice")
		}},
	}
	for i, ch := range changes {
		u := fmt.Sprint("u", i)
		equip(t, s, u, fmt.Sprint("user", i))
		token := "cookie-" + u
		remember(t, s, u, token, 30)
		answeredFlow(t, s, "f-"+u, u)
		ch.do(u)
		if ok, err := s.RememberedBrowserUsable(ctx(t), u, hashOf(token)); err != nil || ok {
			t.Errorf("after %s: remembered browser usable = %v, %v", ch.name, ok, err)
		}
		if err := finishRemembered(s, t, "f-"+u, u, token); err == nil {
			t.Errorf("after %s: a remembered finish was accepted", ch.name)
		}
	}
	// Enrolling a replacement device forgets them too.
	equip(t, s, "ue", "eve")
	remember(t, s, "ue", "cookie-ue", 30)
	must(t, s.AdminResetDevice(ctx(t), "ue", "proof", s.Now().Add(time.Hour)), "AdminResetDevice")
	must(t, s.SetUserPassword(ctx(t), "ue", "h", false), "SetUserPassword")
	pendingFlow(t, s, "again-ue")
	// A row added while the account has no device is refused.
	wantErr(t, s.AddRememberedBrowser(ctx(t), &store.RememberedBrowser{TokenHash: hashOf("x"), UserID: "ue", DeviceID: "dev-ue",
		ExpiresAt: s.Now().Add(time.Hour)}), store.ErrStale, "remembering for an account without a device")
	must(t, s.EnrollDevice(ctx(t), enrollment("again-ue", "ue", "dev2-ue", 1)), "EnrollDevice")
	if rows, err := s.RememberedBrowsers(ctx(t), "ue"); err != nil || len(rows) != 0 {
		t.Errorf("after a new device: %d remembered browsers, %v", len(rows), err)
	}
}

func testRememberedFlowLimits(t *testing.T, s *store.Store, _ *clock) {
	rememberingClient(t, s, false)
	equip(t, s, "u1", "ann")
	remember(t, s, "u1", "cookie-1", 30)
	answeredFlow(t, s, "off", "u1")
	wantErr(t, finishRemembered(s, t, "off", "u1", "cookie-1"), store.ErrStale, "a client with remember_browser off")

	must(t, s.CreateClient(ctx(t), &store.Client{ID: "on", RememberBrowser: true, RedirectURIs: store.StringList{"https://app.example/cb"},
		PostLogoutRedirectURIs: store.StringList{}}), "CreateClient on")
	maxAge := int64(0)
	f := &store.Flow{ID: "maxage", FlowRequest: store.FlowRequest{ClientID: "on", RedirectURI: "https://app.example/cb",
		Scopes: store.StringList{"openid"}, Prompt: store.StringList{}, MaxAge: &maxAge}, CreatedAt: s.Now(), ExpiresAt: s.Now().Add(time.Hour)}
	must(t, s.CreateFlow(ctx(t), f), "CreateFlow max_age")
	must(t, s.IdentifyFlow(ctx(t), "maxage", "u1", s.Now()), "IdentifyFlow")
	must(t, s.MarkFlow(ctx(t), "maxage", "u1", store.StepQuestion, s.Now()), "MarkFlow")
	wantErr(t, finishRemembered(s, t, "maxage", "u1", "cookie-1"), store.ErrStale, "a flow with max_age")

	fo := &store.Flow{ID: "factor", FlowRequest: store.FlowRequest{ClientID: "on", RedirectURI: "https://app.example/cb",
		Scopes: store.StringList{"openid"}, Prompt: store.StringList{}},
		FlowProgress: store.FlowProgress{UserID: "u1", FirstFactor: store.FirstFactorCaller}, CreatedAt: s.Now(), ExpiresAt: s.Now().Add(time.Hour)}
	must(t, s.CreateFlow(ctx(t), fo), "CreateFlow factor-only")
	r := store.FlowResult{UserID: "u1", AMR: []string{}, ACR: "remembered", AuthTime: s.Now(), RememberedBrowser: hashOf("cookie-1")}
	wantErr(t, s.FinishFlow(ctx(t), "factor", r, true, s.Now()), store.ErrStale, "a factor-only flow")
}

func testRememberedListRevoke(t *testing.T, s *store.Store, c *clock) {
	equip(t, s, "ua", "ann")
	equip(t, s, "ub", "bob")
	a1 := remember(t, s, "ua", "a1", 30)
	c.Advance(time.Minute)
	a2 := remember(t, s, "ua", "a2", 1)
	b1 := remember(t, s, "ub", "b1", 30)
	if a1.ID == "" || a1.ID == a1.TokenHash || a1.ID == a2.ID {
		t.Fatalf("public ids: %q %q (token hash %q)", a1.ID, a2.ID, a1.TokenHash)
	}
	rows, err := s.RememberedBrowsers(ctx(t), "ua")
	must(t, err, "RememberedBrowsers")
	if len(rows) != 2 || rows[0].ID != a2.ID || rows[1].ID != a1.ID || rows[0].Label != "Firefox on Linux" {
		t.Fatalf("ann's remembered browsers: %+v", rows)
	}
	wantErr(t, s.RevokeRememberedBrowser(ctx(t), "ua", b1.ID), store.ErrNotFound, "revoking bob's browser as ann's")
	if ok, _ := s.RememberedBrowserUsable(ctx(t), "ub", hashOf("b1")); !ok {
		t.Fatalf("bob's browser went with a revocation for ann")
	}
	must(t, s.RevokeRememberedBrowser(ctx(t), "ua", a1.ID), "RevokeRememberedBrowser")
	wantErr(t, s.RevokeRememberedBrowser(ctx(t), "ua", a1.ID), store.ErrNotFound, "revoking twice")
	if ok, _ := s.RememberedBrowserUsable(ctx(t), "ua", hashOf("a1")); ok {
		t.Fatalf("a revoked browser is usable")
	}
	c.Advance(2 * 24 * time.Hour)
	if rows, _ := s.RememberedBrowsers(ctx(t), "ua"); len(rows) != 0 {
		t.Fatalf("an expired browser is listed: %+v", rows)
	}
	n, err := s.RevokeRememberedBrowsers(ctx(t), "ub")
	must(t, err, "RevokeRememberedBrowsers")
	if n != 1 {
		t.Fatalf("RevokeRememberedBrowsers = %d, want 1", n)
	}
}

// testRaceRevokeRemembered races a revocation with the finish of a sign-in
// the revoked browser stands in for: the finish either committed before
// the revocation returned, or was refused; never after.
func testRaceRevokeRemembered(t *testing.T, s *store.Store, _ *clock) {
	rememberingClient(t, s, true)
	equip(t, s, "u1", "ann")
	for i := range 20 {
		token := fmt.Sprint("race-", i)
		b := remember(t, s, "u1", token, 30)
		id := fmt.Sprint("race-flow-", i)
		answeredFlow(t, s, id, "u1")
		var (
			wg            sync.WaitGroup
			finishErr     error
			doneAtRevoked bool
		)
		wg.Go(func() { finishErr = finishRemembered(s, t, id, "u1", token) })
		wg.Go(func() {
			if err := s.RevokeRememberedBrowser(ctx(t), "u1", b.ID); err != nil {
				t.Errorf("RevokeRememberedBrowser: %v", err)
			}
			f, err := s.FlowByID(ctx(t), id)
			doneAtRevoked = err == nil && f.DoneAt != nil
		})
		wg.Wait()
		if finishErr == nil && !doneAtRevoked {
			t.Fatalf("round %d: the sign-in finished after the revocation returned", i)
		}
		if finishErr != nil && !errors.Is(finishErr, store.ErrStale) {
			t.Fatalf("round %d: finish: %v", i, finishErr)
		}
	}
}

// testRememberedBoundToDevice: a remembered browser counts only while the
// device whose passcode earned it is the account's; one remembered for a
// device replaced meanwhile (a passcode checked just before the
// replacement, its row written just after) is refused.
func testRememberedBoundToDevice(t *testing.T, s *store.Store, _ *clock) {
	rememberingClient(t, s, true)
	equip(t, s, "u1", "ann")
	remember(t, s, "u1", "cookie-1", 30)
	must(t, s.ReplaceDevice(ctx(t), store.Replacement{OldDeviceID: "dev-u1",
		Device: &store.Device{ID: "dev2-u1", UserID: "u1", App: "authy", Secret: []byte("sealed new")}}), "ReplaceDevice")
	// The late write for the old device.
	late := &store.RememberedBrowser{TokenHash: hashOf("cookie-late"), UserID: "u1", DeviceID: "dev-u1", ClientID: testClient,
		ExpiresAt: s.Now().Add(24 * time.Hour)}
	wantErr(t, s.AddRememberedBrowser(ctx(t), late), store.ErrStale, "remembering for a replaced device")
	for _, token := range []string{"cookie-1", "cookie-late"} {
		if ok, err := s.RememberedBrowserUsable(ctx(t), "u1", hashOf(token)); err != nil || ok {
			t.Errorf("%s after the replacement: usable = %v, %v", token, ok, err)
		}
	}
	// A row for the new device counts.
	fresh := &store.RememberedBrowser{TokenHash: hashOf("cookie-new"), UserID: "u1", DeviceID: "dev2-u1", ClientID: testClient,
		ExpiresAt: s.Now().Add(24 * time.Hour)}
	must(t, s.AddRememberedBrowser(ctx(t), fresh), "remembering for the new device")
	if ok, err := s.RememberedBrowserUsable(ctx(t), "u1", hashOf("cookie-new")); err != nil || !ok {
		t.Errorf("the new device's remembered browser: usable = %v, %v", ok, err)
	}
}

// testRememberedSessionFinish: a single sign-on finish from a session a
// remembered browser started uses that browser's row in its own
// transaction: an unknown, another account's, a forgotten or a stale row
// finishes nothing, nor does a client with remember_browser off or a flow
// with max_age; a usable one finishes the flow and records its use.
func testRememberedSessionFinish(t *testing.T, s *store.Store, c *clock) {
	rememberingClient(t, s, true)
	equip(t, s, "u1", "ann")
	equip(t, s, "u2", "bob")
	remember(t, s, "u2", "cookie-bob", 30)
	sso := func(id, userID, token string) error {
		r := store.FlowResult{UserID: userID, AMR: rememberedAMR, ACR: "remembered", AuthTime: s.Now(), RememberedBrowser: hashOf(token)}
		return s.FinishFlowFromSession(ctx(t), id, r, s.Now())
	}
	newFlow(t, s, "f1")
	wantErr(t, sso("f1", "u1", "no-such-cookie"), store.ErrStale, "an unknown remembered browser")
	wantErr(t, sso("f1", "u1", "cookie-bob"), store.ErrStale, "bob's remembered browser for ann")
	b := remember(t, s, "u1", "cookie-1", 30)
	must(t, s.RevokeRememberedBrowser(ctx(t), "u1", b.ID), "RevokeRememberedBrowser")
	wantErr(t, sso("f1", "u1", "cookie-1"), store.ErrStale, "a forgotten remembered browser")

	remember(t, s, "u1", "cookie-2", 30)
	must(t, s.CreateClient(ctx(t), &store.Client{ID: "off", RedirectURIs: store.StringList{"https://app.example/cb"},
		PostLogoutRedirectURIs: store.StringList{}}), "CreateClient off")
	off := &store.Flow{ID: "off", FlowRequest: store.FlowRequest{ClientID: "off", RedirectURI: "https://app.example/cb",
		Scopes: store.StringList{"openid"}, Prompt: store.StringList{}}, CreatedAt: s.Now(), ExpiresAt: s.Now().Add(time.Hour)}
	must(t, s.CreateFlow(ctx(t), off), "CreateFlow off")
	wantErr(t, sso("off", "u1", "cookie-2"), store.ErrStale, "a client with remember_browser off")
	maxAge := int64(3600)
	ma := &store.Flow{ID: "maxage", FlowRequest: store.FlowRequest{ClientID: testClient, RedirectURI: "https://app.example/cb",
		Scopes: store.StringList{"openid"}, Prompt: store.StringList{}, MaxAge: &maxAge}, CreatedAt: s.Now(), ExpiresAt: s.Now().Add(time.Hour)}
	must(t, s.CreateFlow(ctx(t), ma), "CreateFlow max_age")
	wantErr(t, sso("maxage", "u1", "cookie-2"), store.ErrStale, "a flow with max_age")
	for _, id := range []string{"f1", "off", "maxage"} {
		if f := flowOf(t, s, id); f.DoneAt != nil {
			t.Fatalf("a refused finish finished flow %s", id)
		}
	}
	c.Advance(time.Hour)
	must(t, sso("f1", "u1", "cookie-2"), "a usable remembered browser")
	if f := flowOf(t, s, "f1"); f.DoneAt == nil || f.UserID != "u1" || slices.Contains(f.AMR, "otp") {
		t.Fatalf("the finish: done %v user %q amr %v", f.DoneAt, f.UserID, f.AMR)
	}
	rows, err := s.RememberedBrowsers(ctx(t), "u1")
	must(t, err, "RememberedBrowsers")
	if len(rows) != 1 || !rows[0].LastUsedAt.Equal(s.Now()) {
		t.Fatalf("last use not recorded: %+v", rows)
	}
	// A device reset makes the row stale: nothing is finished.
	newFlow(t, s, "f2")
	must(t, s.AdminResetDevice(ctx(t), "u1", "proof", s.Now().Add(time.Hour)), "AdminResetDevice")
	wantErr(t, sso("f2", "u1", "cookie-2"), store.ErrStale, "after a device reset")
}
