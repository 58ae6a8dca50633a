package admin_test

import (
	"errors"
	"testing"
	"time"

	"github.com/otpgate/otpgate/provider/store"
	"github.com/otpgate/otpgate/provider/store/storetest"
)

func openSQLite(t *testing.T) *store.Store { return storetest.OpenSQLite(t) }

// signedIn is what a finished sign-in leaves: a device with recovery
// codes, a browser session, an access and a refresh token, an
// authorization code not yet exchanged and an unused emailed link.
type signedIn struct {
	userID, session, access, refresh, codeFlow, linkHash string
}

// signIn gives u everything a finished sign-in leaves (see signedIn).
func (e *env) signIn(u *store.User) signedIn {
	e.t.Helper()
	ctx, now := e.ctx(), e.store.Now()
	s := signedIn{userID: u.ID, session: "sess-" + u.ID, access: "at-" + u.ID, refresh: "rt-" + u.ID,
		codeFlow: "code-" + u.ID, linkHash: "link-" + u.ID}
	must(e.t, e.store.CreateFlow(ctx, &store.Flow{ID: "enroll-" + u.ID, FlowRequest: store.FlowRequest{ClientID: "c"}, FlowProgress: store.FlowProgress{UserID: u.ID}, PendingEnrollment: store.PendingEnrollment{PendingSecret: []byte("sealed")}, CreatedAt: now, ExpiresAt: now.Add(time.Hour)}))
	must(e.t, e.store.EnrollDevice(ctx, store.Enrollment{FlowID: "enroll-" + u.ID, CodeHashes: []string{"h1", "h2"},
		Device: &store.Device{ID: "dev-" + u.ID, UserID: u.ID, App: "authy", Secret: []byte("SEALED"), LastStep: 1, EnrolledAt: now}}))
	grant := "grant-" + u.ID
	must(e.t, e.store.CreateFlow(ctx, &store.Flow{ID: grant, FlowRequest: store.FlowRequest{ClientID: "c"}, FlowProgress: store.FlowProgress{UserID: u.ID, DoneAt: &now}, FlowCode: store.FlowCode{CodeHash: "code-hash-" + u.ID}, CreatedAt: now, ExpiresAt: now.Add(time.Hour)}))
	must(e.t, e.store.IssueFromCode(ctx, grant, store.TokenSet{
		Access: &store.AccessToken{ID: s.access, GrantID: grant, RefreshTokenID: s.refresh, ClientID: "c", UserID: u.ID,
			CreatedAt: now, ExpiresAt: now.Add(time.Hour)},
		Refresh: &store.RefreshToken{ID: s.refresh, TokenHash: "rt-hash-" + u.ID, FamilyID: "fam-" + u.ID, GrantID: grant,
			ClientID: "c", UserID: u.ID, AuthTime: now, CreatedAt: now, ExpiresAt: now.Add(24 * time.Hour)},
	}))
	must(e.t, e.store.CreateFlow(ctx, &store.Flow{ID: s.codeFlow, FlowRequest: store.FlowRequest{ClientID: "c"}, FlowProgress: store.FlowProgress{UserID: u.ID, DoneAt: &now}, FlowCode: store.FlowCode{CodeHash: "unexchanged-" + u.ID}, CreatedAt: now, ExpiresAt: now.Add(time.Hour)}))
	must(e.t, e.store.CreateLinkToken(ctx, &store.LinkToken{TokenHash: s.linkHash, Purpose: store.LinkReset, UserID: u.ID,
		CreatedAt: now, ExpiresAt: now.Add(time.Hour)}))
	must(e.t, e.store.CreateSession(ctx, &store.Session{ID: s.session, UserID: u.ID, AuthTime: now, CreatedAt: now,
		ExpiresAt: now.Add(time.Hour)}))
	return s
}

// wantRevoked checks that the session and both tokens are gone.
func (s signedIn) wantRevoked(t *testing.T, e *env) {
	t.Helper()
	if _, err := e.store.SessionByID(e.ctx(), s.session); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("session: %v, want ended", err)
	}
	if _, err := e.store.AccessTokenByID(e.ctx(), s.access); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("access token: %v, want revoked", err)
	}
	if rt, err := e.store.RefreshTokenRowByID(e.ctx(), s.refresh); err != nil || rt.RevokedAt == nil {
		t.Errorf("refresh token: %+v, %v; want revoked", rt, err)
	}
}

// wantLive checks that the session and both tokens still work.
func (s signedIn) wantLive(t *testing.T, e *env) {
	t.Helper()
	if _, err := e.store.SessionByID(e.ctx(), s.session); err != nil {
		t.Errorf("session: %v, want live", err)
	}
	if _, err := e.store.AccessTokenByID(e.ctx(), s.access); err != nil {
		t.Errorf("access token: %v, want live", err)
	}
	if rt, err := e.store.RefreshTokenRowByID(e.ctx(), s.refresh); err != nil || rt.RevokedAt != nil {
		t.Errorf("refresh token: %+v, %v; want live", rt, err)
	}
}

// wantVoided checks that the unexchanged code and the link are void and
// the device and recovery codes gone.
func (s signedIn) wantVoided(t *testing.T, e *env) {
	t.Helper()
	if _, err := e.store.FlowByCode(e.ctx(), "unexchanged-"+s.userID); err == nil {
		t.Error("the unexchanged code still redeems")
	}
	if _, err := e.store.PeekLinkToken(e.ctx(), s.linkHash, store.LinkReset); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("emailed link: %v, want used up", err)
	}
	if _, err := e.store.DeviceByUser(e.ctx(), s.userID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("device: %v, want removed", err)
	}
	if n, err := e.store.CountRecoveryCodes(e.ctx(), s.userID); n != 0 || err != nil {
		t.Errorf("recovery codes: %d, %v; want none", n, err)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
