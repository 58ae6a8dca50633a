package storetest

import (
	"testing"
	"time"

	"github.com/otpgate/otpgate/provider/store"
)

var refreshCases = []testCase{
	{"RefreshTokens/RotateOnce", testRotateOnce},
	{"RefreshTokens/RotateReuseRevokesFamily", testRotateReuse},
	{"RefreshTokens/RotateExpiredOrUnknown", testRotateExpired},
	{"RefreshTokens/ByHashOfUsedTokenRevokesFamily", testRefreshByHashUsed},
	{"RefreshTokens/RevokeFamily", testRevokeFamily},
	{"RefreshTokens/Rows", testRefreshRows},
	{"RefreshTokens/ReuseIntervalKeepsFamily", testRotateWithinReuse},
}

// issued redeems a fresh code flow and returns the tokens issued for it
// (family "fam-"+grant, tag "0").
func issued(t *testing.T, s *store.Store, grant string) store.TokenSet {
	t.Helper()
	codeFlow(t, s, grant, "u1")
	set := tokens(s, grant, "u1", "fam-"+grant, grant+"-0")
	must(t, s.IssueFromCode(ctx(t), grant, set), "IssueFromCode "+grant)
	return set
}

func testRotateOnce(t *testing.T, s *store.Store, c *clock) {
	first := issued(t, s, "g1")
	c.Advance(time.Minute)
	next := tokens(s, "g1", "u1", "fam-g1", "g1-1")
	must(t, s.RotateRefreshToken(ctx(t), first.Refresh.TokenHash, next, 0), "RotateRefreshToken")
	row, err := s.RefreshTokenRowByID(ctx(t), first.Refresh.ID)
	must(t, err, "RefreshTokenRowByID")
	wantTime(t, row.UsedAt, s.Now(), "used_at of the rotated token")
	if row.RevokedAt != nil {
		t.Fatalf("a normal rotation revoked the old token")
	}
	wantLive(t, s, next, "successor")
	// The access token issued with the old refresh token stays valid until it expires.
	if _, err := s.AccessTokenByID(ctx(t), first.Access.ID); err != nil {
		t.Fatalf("rotation revoked the earlier access token: %v", err)
	}
	c.Advance(time.Minute)
	third := tokens(s, "g1", "u1", "fam-g1", "g1-2")
	must(t, s.RotateRefreshToken(ctx(t), next.Refresh.TokenHash, third, 0), "rotate the successor")
	wantLive(t, s, third, "second successor")
}

func testRotateReuse(t *testing.T, s *store.Store, c *clock) {
	first := issued(t, s, "g1")
	other := issued(t, s, "g2")
	c.Advance(time.Minute)
	next := tokens(s, "g1", "u1", "fam-g1", "g1-1")
	must(t, s.RotateRefreshToken(ctx(t), first.Refresh.TokenHash, next, 0), "RotateRefreshToken")
	c.Advance(time.Minute)
	replay := tokens(s, "g1", "u1", "fam-g1", "g1-replay")
	err := s.RotateRefreshToken(ctx(t), first.Refresh.TokenHash, replay, 0)
	wantErr(t, err, store.ErrAlreadyUsed, "rotating a used refresh token")
	wantAbsent(t, s, replay, "tokens of the refused rotation")
	wantRevoked(t, s, next, "successor after reuse")
	wantRevoked(t, s, first, "first tokens after reuse")
	_, _, err = s.RefreshTokenByHash(ctx(t), next.Refresh.TokenHash, 0)
	wantErr(t, err, store.ErrNotFound, "RefreshTokenByHash of the revoked successor")
	err = s.RotateRefreshToken(ctx(t), next.Refresh.TokenHash, tokens(s, "g1", "u1", "fam-g1", "g1-x"), 0)
	wantErr(t, err, store.ErrNotFound, "rotating the revoked successor")
	wantLive(t, s, other, "another family")
}

func testRotateExpired(t *testing.T, s *store.Store, c *clock) {
	first := issued(t, s, "g1")
	c.Advance(24*time.Hour - time.Second)
	if _, _, err := s.RefreshTokenByHash(ctx(t), first.Refresh.TokenHash, 0); err != nil {
		t.Fatalf("RefreshTokenByHash just before expiry: %v", err)
	}
	c.Advance(time.Second)
	next := tokens(s, "g1", "u1", "fam-g1", "g1-1")
	err := s.RotateRefreshToken(ctx(t), first.Refresh.TokenHash, next, 0)
	wantErr(t, err, store.ErrNotFound, "rotating an expired refresh token")
	wantAbsent(t, s, next, "tokens of the refused rotation")
	_, _, err = s.RefreshTokenByHash(ctx(t), first.Refresh.TokenHash, 0)
	wantErr(t, err, store.ErrNotFound, "RefreshTokenByHash of an expired token")
	row, err := s.RefreshTokenRowByID(ctx(t), first.Refresh.ID)
	must(t, err, "RefreshTokenRowByID")
	if row.UsedAt != nil || row.RevokedAt != nil {
		t.Fatalf("a refused expired rotation changed the token: %+v", row)
	}
	err = s.RotateRefreshToken(ctx(t), hashOf("unknown"), tokens(s, "g1", "u1", "fam-g1", "g1-2"), 0)
	wantErr(t, err, store.ErrNotFound, "rotating an unknown refresh token")
	_, _, err = s.RefreshTokenByHash(ctx(t), hashOf("unknown"), 0)
	wantErr(t, err, store.ErrNotFound, "RefreshTokenByHash of an unknown token")
}

func testRefreshByHashUsed(t *testing.T, s *store.Store, c *clock) {
	first := issued(t, s, "g1")
	c.Advance(time.Minute)
	next := tokens(s, "g1", "u1", "fam-g1", "g1-1")
	must(t, s.RotateRefreshToken(ctx(t), first.Refresh.TokenHash, next, 0), "RotateRefreshToken")
	c.Advance(time.Minute)
	_, _, err := s.RefreshTokenByHash(ctx(t), first.Refresh.TokenHash, 0)
	wantErr(t, err, store.ErrAlreadyUsed, "RefreshTokenByHash of a used token")
	wantRevoked(t, s, next, "successor after the used token was presented")
	wantRevoked(t, s, first, "first tokens after the used token was presented")
}

func testRevokeFamily(t *testing.T, s *store.Store, c *clock) {
	first := issued(t, s, "g1")
	other := issued(t, s, "g2")
	c.Advance(time.Minute)
	next := tokens(s, "g1", "u1", "fam-g1", "g1-1")
	must(t, s.RotateRefreshToken(ctx(t), first.Refresh.TokenHash, next, 0), "RotateRefreshToken")
	c.Advance(time.Minute)
	must(t, s.RevokeFamily(ctx(t), "fam-g1"), "RevokeFamily")
	wantRevoked(t, s, first, "first tokens of the revoked family")
	wantRevoked(t, s, next, "successor of the revoked family")
	wantLive(t, s, other, "another family")
	must(t, s.RevokeFamily(ctx(t), "fam-none"), "RevokeFamily of unknown family")
}

func testRefreshRows(t *testing.T, s *store.Store, c *clock) {
	first := issued(t, s, "g1")
	c.Advance(time.Minute)
	next := tokens(s, "g1", "u1", "fam-g1", "g1-1")
	must(t, s.RotateRefreshToken(ctx(t), first.Refresh.TokenHash, next, 0), "RotateRefreshToken")

	// Reading a used token's row does not punish replay.
	row, err := s.RefreshTokenRow(ctx(t), first.Refresh.TokenHash)
	must(t, err, "RefreshTokenRow of a used token")
	if row.ID != first.Refresh.ID || row.FamilyID != "fam-g1" || row.UsedAt == nil || row.RevokedAt != nil {
		t.Fatalf("RefreshTokenRow = %+v", row)
	}
	wantLive(t, s, next, "successor after RefreshTokenRow of the used token")
	byID, err := s.RefreshTokenRowByID(ctx(t), next.Refresh.ID)
	must(t, err, "RefreshTokenRowByID")
	if byID.TokenHash != next.Refresh.TokenHash || byID.UsedAt != nil {
		t.Fatalf("RefreshTokenRowByID = %+v", byID)
	}
	must(t, s.RevokeFamily(ctx(t), "fam-g1"), "RevokeFamily")
	row, err = s.RefreshTokenRow(ctx(t), next.Refresh.TokenHash)
	must(t, err, "RefreshTokenRow of a revoked token")
	wantTime(t, row.RevokedAt, s.Now(), "revoked_at")
	_, err = s.RefreshTokenRow(ctx(t), hashOf("unknown"))
	wantErr(t, err, store.ErrNotFound, "RefreshTokenRow of unknown hash")
	_, err = s.RefreshTokenRowByID(ctx(t), "rt-unknown")
	wantErr(t, err, store.ErrNotFound, "RefreshTokenRowByID of unknown id")
}

// reuse is the reuse interval of the tests that allow one.
const reuse = 5 * time.Second

func testRotateWithinReuse(t *testing.T, s *store.Store, c *clock) {
	first := issued(t, s, "g1")
	c.Advance(time.Minute)
	a := tokens(s, "g1", "u1", "fam-g1", "g1-a")
	must(t, s.RotateRefreshToken(ctx(t), first.Refresh.TokenHash, a, reuse), "RotateRefreshToken")
	used := s.Now()
	c.Advance(reuse - time.Second)
	if _, _, err := s.RefreshTokenByHash(ctx(t), first.Refresh.TokenHash, reuse); err != nil {
		t.Fatalf("RefreshTokenByHash within the reuse interval: %v", err)
	}
	b := tokens(s, "g1", "u1", "fam-g1", "g1-b")
	must(t, s.RotateRefreshToken(ctx(t), first.Refresh.TokenHash, b, reuse), "a second rotation within the interval")
	wantLive(t, s, a, "the first successor")
	wantLive(t, s, b, "the second successor")
	row, err := s.RefreshTokenRowByID(ctx(t), first.Refresh.ID)
	must(t, err, "RefreshTokenRowByID")
	wantTime(t, row.UsedAt, used, "used_at keeps the first use")
	// The interval counts from the first use: it never grows.
	c.Advance(time.Second)
	late := tokens(s, "g1", "u1", "fam-g1", "g1-late")
	err = s.RotateRefreshToken(ctx(t), first.Refresh.TokenHash, late, reuse)
	wantErr(t, err, store.ErrAlreadyUsed, "a rotation when the interval has passed")
	wantRevoked(t, s, a, "the first successor after a late reuse")
	wantRevoked(t, s, b, "the second successor after a late reuse")
	if _, err := s.RefreshTokenRowByID(ctx(t), late.Refresh.ID); err == nil {
		t.Fatal("the late rotation stored a successor")
	}
	// Looking a used token up late revokes its family too.
	second := issued(t, s, "g2")
	must(t, s.RotateRefreshToken(ctx(t), second.Refresh.TokenHash, tokens(s, "g2", "u1", "fam-g2", "g2-a"), reuse), "rotate g2")
	c.Advance(reuse)
	_, _, err = s.RefreshTokenByHash(ctx(t), second.Refresh.TokenHash, reuse)
	wantErr(t, err, store.ErrAlreadyUsed, "RefreshTokenByHash after the interval")
}
