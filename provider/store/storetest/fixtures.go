package storetest

import (
	"testing"
	"time"

	"github.com/otpgate/otpgate/provider/store"
)

const (
	testClient   = "client-a"
	codeLifetime = time.Minute
)

func newUser(t *testing.T, s *store.Store, id, username string) *store.User {
	t.Helper()
	u := &store.User{ID: id, Username: username, Email: id + "@example.com", PasswordHash: "hash-" + id}
	must(t, s.CreateUser(ctx(t), u), "create user "+username)
	return u
}

// newFlow stores an unfinished authorization request that expires in 30 minutes.
func newFlow(t *testing.T, s *store.Store, id string) *store.Flow {
	t.Helper()
	now := s.Now()
	f := &store.Flow{ID: id, FlowRequest: store.FlowRequest{ClientID: testClient, RedirectURI: "https://app.example/cb", Scopes: store.StringList{"openid", "profile"}, State: "state-" + id, Nonce: "nonce-" + id, ResponseType: "code", CodeChallenge: "challenge", CodeChallengeMethod: "S256"}, CreatedAt: now, ExpiresAt: now.Add(30 * time.Minute)}
	must(t, s.CreateFlow(ctx(t), f), "create flow "+id)
	return f
}

// finish marks a flow as completed by userID, as the sign-in steps do.
func finish(t *testing.T, s *store.Store, id, userID string) {
	t.Helper()
	now := s.Now()
	must(t, s.IdentifyFlow(ctx(t), id, userID, now), "identify flow "+id)
	must(t, s.MarkFlow(ctx(t), id, userID, store.StepQuestion, now), "answer flow "+id)
	r := store.FlowResult{UserID: userID, AMR: []string{"pwd", "kba", "otp", "mfa"}, ACR: "mfa", AuthTime: now}
	must(t, s.FinishFlowFromSession(ctx(t), id, r, now), "finish flow "+id)
}

// codeFlow stores a finished flow of userID whose code is "code-"+id; it
// returns the code's hash.
func codeFlow(t *testing.T, s *store.Store, id, userID string) string {
	t.Helper()
	newFlow(t, s, id)
	finish(t, s, id, userID)
	h := hashOf("code-" + id)
	must(t, s.SaveCode(ctx(t), id, h, codeLifetime), "save code for "+id)
	return h
}

// tokens builds the tokens of one token request: access token "at-"+tag and
// refresh token "rt-"+tag (hash hashOf("rt-"+tag)) in family, for grant.
func tokens(s *store.Store, grant, userID, family, tag string) store.TokenSet {
	now := s.Now()
	rt := &store.RefreshToken{
		ID: "rt-" + tag, TokenHash: hashOf("rt-" + tag), FamilyID: family, GrantID: grant,
		ClientID: testClient, UserID: userID, Scopes: store.StringList{"openid", "offline_access"},
		Audience: store.StringList{testClient}, AMR: store.StringList{"pwd", "otp", "mfa"}, ACR: "mfa",
		AuthTime: now, CreatedAt: now, ExpiresAt: now.Add(24 * time.Hour),
	}
	at := &store.AccessToken{
		ID: "at-" + tag, GrantID: grant, RefreshTokenID: rt.ID, ClientID: testClient, UserID: userID,
		Scopes: store.StringList{"openid"}, Audience: store.StringList{testClient},
		CreatedAt: now, ExpiresAt: now.Add(time.Hour),
	}
	return store.TokenSet{Access: at, Refresh: rt}
}

// wantLive checks that the tokens of set can still be used.
func wantLive(t *testing.T, s *store.Store, set store.TokenSet, what string) {
	t.Helper()
	if _, err := s.AccessTokenByID(ctx(t), set.Access.ID); err != nil {
		t.Fatalf("%s: access token %s: got %v, want live", what, set.Access.ID, err)
	}
	if set.Refresh != nil {
		if _, _, err := s.RefreshTokenByHash(ctx(t), set.Refresh.TokenHash, 0); err != nil {
			t.Fatalf("%s: refresh token %s: got %v, want live", what, set.Refresh.ID, err)
		}
	}
}

// wantRevoked checks that the (stored, unused) tokens of set were revoked
// at the current time.
func wantRevoked(t *testing.T, s *store.Store, set store.TokenSet, what string) {
	t.Helper()
	_, err := s.AccessTokenByID(ctx(t), set.Access.ID)
	wantErr(t, err, store.ErrNotFound, what+": access token "+set.Access.ID)
	if set.Refresh != nil {
		row, err := s.RefreshTokenRowByID(ctx(t), set.Refresh.ID)
		must(t, err, what+": load refresh token row")
		wantTime(t, row.RevokedAt, s.Now(), what+": refresh token "+set.Refresh.ID+" revoked_at")
		if row.UsedAt == nil {
			_, _, err = s.RefreshTokenByHash(ctx(t), set.Refresh.TokenHash, 0)
			wantErr(t, err, store.ErrNotFound, what+": refresh token "+set.Refresh.ID)
		}
	}
}

// wantAbsent checks that nothing of set was stored.
func wantAbsent(t *testing.T, s *store.Store, set store.TokenSet, what string) {
	t.Helper()
	_, err := s.AccessTokenByID(ctx(t), set.Access.ID)
	wantErr(t, err, store.ErrNotFound, what+": access token "+set.Access.ID)
	if set.Refresh != nil {
		_, err = s.RefreshTokenRowByID(ctx(t), set.Refresh.ID)
		wantErr(t, err, store.ErrNotFound, what+": refresh token row "+set.Refresh.ID)
	}
}
