package storetest

import (
	"strings"
	"testing"

	"github.com/otpgate/otpgate/provider/store"
)

var joinedCases = []testCase{
	{"Joined/JourneyRows", testJourneyRows},
	{"Joined/TokensWithTheirUser", testTokensWithUser},
}

// testJourneyRows: one read gives a flow with its user and device, and,
// for the password step, the account a name names; what is missing is
// nil, never a zero row.
func testJourneyRows(t *testing.T, s *store.Store, _ *clock) {
	equip(t, s, "u1", "ann") // a device
	newUser(t, s, "u2", "bob")
	newFlow(t, s, "f0")
	userFlow(t, s, "f1", "u1")
	userFlow(t, s, "f2", "u2")

	f, u, d, err := s.JourneyRows(ctx(t), "f0")
	must(t, err, "JourneyRows f0")
	if f.ID != "f0" || f.ClientID != testClient || f.ExpiresAt.IsZero() || u != nil || d != nil {
		t.Fatalf("a flow without a user: %+v, %v, %v", f, u, d)
	}
	f, u, d, err = s.JourneyRows(ctx(t), "f1")
	must(t, err, "JourneyRows f1")
	if f.UserID != "u1" || f.PasswordAt == nil || u == nil || u.Username != "ann" || d == nil || d.UserID != "u1" || len(d.Secret) == 0 {
		t.Fatalf("a flow of a user with a device: %+v, %+v, %+v", f, u, d)
	}
	_, u, d, err = s.JourneyRows(ctx(t), "f2")
	must(t, err, "JourneyRows f2")
	if u == nil || u.ID != "u2" || d != nil {
		t.Fatalf("a flow of a user without a device: %+v, %+v", u, d)
	}
	_, _, _, err = s.JourneyRows(ctx(t), "nope")
	wantErr(t, err, store.ErrNotFound, "JourneyRows of an unknown flow")

	for name, want := range map[string]string{"ann": "u1", "  ANN ": "u1", "bob": "u2", "nobody": "",
		strings.Repeat("x", 300): "", "bad\x00name": ""} {
		f, u, _, named, err := s.JourneyRowsNaming(ctx(t), "f2", name)
		must(t, err, "JourneyRowsNaming")
		got := ""
		if named != nil {
			got = named.ID
		}
		if f.ID != "f2" || u == nil || u.ID != "u2" || got != want {
			t.Errorf("JourneyRowsNaming(%.12q): flow %q user %v named %q, want named %q", name, f.ID, u, got, want)
		}
	}
	_, _, _, _, err = s.JourneyRowsNaming(ctx(t), "nope", "ann")
	wantErr(t, err, store.ErrNotFound, "JourneyRowsNaming of an unknown flow")

	u, d, err = s.UserWithDevice(ctx(t), "u1")
	must(t, err, "UserWithDevice")
	if u.ID != "u1" || d == nil {
		t.Fatalf("UserWithDevice(u1) = %+v, %+v", u, d)
	}
	_, _, err = s.UserWithDevice(ctx(t), "u9")
	wantErr(t, err, store.ErrNotFound, "UserWithDevice of an unknown user")
}

// testTokensWithUser: a token is read with its user in one statement,
// with every column its claims need (the names too), a disabled account's
// too (the caller refuses it).
func testTokensWithUser(t *testing.T, s *store.Store, _ *clock) {
	e := equip(t, s, "u1", "ann")
	name, given, family := "Ann Ito", "Ann", "Ito"
	must(t, s.SetUserNames(ctx(t), "u1", store.UserNames{Name: &name, GivenName: &given, FamilyName: &family}), "SetUserNames")
	claims := func(u *store.User) bool {
		return u != nil && u.Email == "u1@example.com" && u.Name == name && u.GivenName == given && u.FamilyName == family &&
			!u.UpdatedAt.IsZero()
	}
	at, u, err := s.AccessTokenWithUser(ctx(t), e.tokens.Access.ID)
	must(t, err, "AccessTokenWithUser")
	if at.ID != e.tokens.Access.ID || u == nil || u.ID != "u1" || !claims(u) {
		t.Fatalf("AccessTokenWithUser = %+v, %+v", at, u)
	}
	rt, u, err := s.RefreshTokenByHash(ctx(t), e.tokens.Refresh.TokenHash, 0)
	must(t, err, "RefreshTokenByHash")
	if rt.ID != e.tokens.Refresh.ID || u == nil || u.Username != "ann" || !claims(u) {
		t.Fatalf("RefreshTokenByHash = %+v, %+v", rt, u)
	}
	must(t, s.SetUserDisabled(ctx(t), "u1", true), "SetUserDisabled")
	if _, u, err := s.AccessTokenWithUser(ctx(t), e.tokens.Access.ID); err != nil || u == nil || !u.Disabled {
		t.Fatalf("a disabled account's token: user %+v, %v", u, err)
	}
}
