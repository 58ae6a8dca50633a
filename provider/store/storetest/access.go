package storetest

import (
	"testing"
	"time"

	"github.com/otpgate/otpgate/provider/store"
)

var accessCases = []testCase{
	{"AccessTokens/LiveRevokedExpired", testAccessToken},
}

func testAccessToken(t *testing.T, s *store.Store, c *clock) {
	at := &store.AccessToken{ID: "at-1", ClientID: testClient, UserID: "u1",
		Scopes: store.StringList{"openid", "email"}, Audience: store.StringList{testClient, "api"},
		CreatedAt: s.Now(), ExpiresAt: s.Now().Add(time.Hour)}
	must(t, s.IssueAccessToken(ctx(t), at), "IssueAccessToken")
	keep := &store.AccessToken{ID: "at-2", ClientID: testClient, UserID: "u1",
		CreatedAt: s.Now(), ExpiresAt: s.Now().Add(2 * time.Hour)}
	must(t, s.IssueAccessToken(ctx(t), keep), "IssueAccessToken")
	err := s.IssueAccessToken(ctx(t), &store.AccessToken{ID: "at-1", ClientID: testClient, UserID: "u2",
		ExpiresAt: s.Now().Add(time.Hour)})
	if err == nil {
		t.Fatalf("IssueAccessToken with a taken id succeeded")
	}

	got, err := s.AccessTokenByID(ctx(t), "at-1")
	must(t, err, "AccessTokenByID")
	if got.UserID != "u1" || got.ClientID != testClient {
		t.Fatalf("AccessTokenByID = %+v", got)
	}
	wantList(t, got.Scopes, at.Scopes, "scopes")
	wantList(t, got.Audience, at.Audience, "audience")
	wantTime(t, &got.ExpiresAt, at.ExpiresAt, "expires_at")

	c.Advance(time.Hour - time.Second)
	_, err = s.AccessTokenByID(ctx(t), "at-1")
	must(t, err, "AccessTokenByID just before expiry")
	c.Advance(time.Second)
	_, err = s.AccessTokenByID(ctx(t), "at-1")
	wantErr(t, err, store.ErrNotFound, "AccessTokenByID at expiry")

	must(t, s.RevokeAccessToken(ctx(t), "at-2"), "RevokeAccessToken")
	_, err = s.AccessTokenByID(ctx(t), "at-2")
	wantErr(t, err, store.ErrNotFound, "AccessTokenByID of a revoked token")
	c.Advance(-2 * time.Hour) // revoked stays revoked, whatever the time
	_, err = s.AccessTokenByID(ctx(t), "at-2")
	wantErr(t, err, store.ErrNotFound, "AccessTokenByID of a revoked token")
	_, err = s.AccessTokenByID(ctx(t), "at-1")
	must(t, err, "revoking at-2 left at-1 alone")
	must(t, s.RevokeAccessToken(ctx(t), "at-2"), "RevokeAccessToken twice")
	must(t, s.RevokeAccessToken(ctx(t), "at-unknown"), "RevokeAccessToken of unknown id")
	_, err = s.AccessTokenByID(ctx(t), "at-unknown")
	wantErr(t, err, store.ErrNotFound, "AccessTokenByID of unknown id")
}
