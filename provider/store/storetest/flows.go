package storetest

import (
	"testing"
	"time"

	"github.com/otpgate/otpgate/provider/store"
)

var flowCases = []testCase{
	{"Flows/CreateAndLookup", testFlowCreate},
	{"Flows/BindOnce", testFlowBind},
	{"Flows/SaveCodeOnlyWhenDoneAndOnce", testFlowSaveCode},
	{"Flows/FlowByCode", testFlowByCode},
	{"Flows/IssueFromCodeOnce", testIssueFromCodeOnce},
	{"Flows/IssueFromCodeReplayRevokesRotatedTokens", testIssueFromCodeReplayAfterRotation},
	{"Flows/IssueFromCodeExpired", testIssueFromCodeExpired},
	{"Flows/FlowByCodeAfterRedemption", testFlowByCodeAfterRedemption},
}

func testFlowCreate(t *testing.T, s *store.Store, _ *clock) {
	maxAge := int64(300)
	f := &store.Flow{ID: "f1", FlowRequest: store.FlowRequest{ClientID: testClient, RedirectURI: "https://app.example/cb?x=1", Scopes: store.StringList{"openid", "email"}, State: "st", Nonce: "no", ResponseType: "code", ResponseMode: "query", CodeChallenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM", CodeChallengeMethod: "S256", Prompt: store.StringList{"login"}, MaxAge: &maxAge, UILocales: "ja en", LoginHint: "alice", ACRValues: "mfa", IDTokenHintSubject: "u1"}, CreatedAt: s.Now(), ExpiresAt: s.Now().Add(30 * time.Minute)}
	must(t, s.CreateFlow(ctx(t), f), "CreateFlow")
	got, err := s.FlowByID(ctx(t), "f1")
	must(t, err, "FlowByID")
	if got.ClientID != f.ClientID || got.RedirectURI != f.RedirectURI || got.State != "st" || got.Nonce != "no" ||
		got.ResponseType != "code" || got.ResponseMode != "query" || got.CodeChallenge != f.CodeChallenge ||
		got.CodeChallengeMethod != "S256" || got.MaxAge == nil || *got.MaxAge != 300 || got.UILocales != "ja en" ||
		got.LoginHint != "alice" || got.ACRValues != "mfa" || got.IDTokenHintSubject != "u1" ||
		got.BrowserHash != "" || got.UserID != "" || got.DoneAt != nil || got.CodeHash != "" || got.CodeUsedAt != nil {
		t.Fatalf("FlowByID = %+v, want the fields of %+v", got, f)
	}
	wantList(t, got.Scopes, f.Scopes, "scopes")
	wantList(t, got.Prompt, f.Prompt, "prompt")
	wantList(t, got.AMR, nil, "amr")
	wantTime(t, &got.ExpiresAt, f.ExpiresAt, "expires_at")
	err = s.CreateFlow(ctx(t), &store.Flow{ID: "f1", FlowRequest: store.FlowRequest{ClientID: testClient}, ExpiresAt: s.Now()})
	if err == nil {
		t.Fatalf("CreateFlow with a taken id succeeded")
	}
	_, err = s.FlowByID(ctx(t), "f2")
	wantErr(t, err, store.ErrNotFound, "FlowByID of unknown id")
}

func testFlowBind(t *testing.T, s *store.Store, _ *clock) {
	newFlow(t, s, "f1")
	first, second := hashOf("browser-1"), hashOf("browser-2")
	if did, err := s.BindFlow(ctx(t), "f1", first); err != nil || !did {
		t.Fatalf("BindFlow: bound %v, %v", did, err)
	}
	if did, err := s.BindFlow(ctx(t), "f1", second); err != nil || did {
		t.Fatalf("BindFlow again: bound %v, %v; want the first binding kept", did, err)
	}
	got, err := s.FlowByID(ctx(t), "f1")
	must(t, err, "FlowByID")
	if got.BrowserHash != first {
		t.Fatalf("flow bound to %q, want the first browser %q", got.BrowserHash, first)
	}
}

func testFlowSaveCode(t *testing.T, s *store.Store, c *clock) {
	newFlow(t, s, "f1")
	h := hashOf("code-1")
	err := s.SaveCode(ctx(t), "f1", h, codeLifetime)
	wantErr(t, err, store.ErrStale, "SaveCode on an unfinished flow")
	_, err = s.FlowByCode(ctx(t), h)
	wantErr(t, err, store.ErrNotFound, "FlowByCode after a refused SaveCode")

	finish(t, s, "f1", "u1")
	c.Advance(10 * time.Second)
	must(t, s.SaveCode(ctx(t), "f1", h, codeLifetime), "SaveCode")
	got, err := s.FlowByID(ctx(t), "f1")
	must(t, err, "FlowByID")
	if got.CodeHash != h {
		t.Fatalf("code hash %q, want %q", got.CodeHash, h)
	}
	wantTime(t, &got.ExpiresAt, s.Now().Add(codeLifetime), "expiry shortened to the code lifetime")

	err = s.SaveCode(ctx(t), "f1", hashOf("code-2"), codeLifetime)
	wantErr(t, err, store.ErrStale, "second SaveCode")
	got, err = s.FlowByID(ctx(t), "f1")
	must(t, err, "FlowByID")
	if got.CodeHash != h {
		t.Fatalf("second SaveCode replaced the code hash")
	}
	_, err = s.FlowByCode(ctx(t), hashOf("code-2"))
	wantErr(t, err, store.ErrNotFound, "FlowByCode of the refused second code")

	newFlow(t, s, "f2")
	finish(t, s, "f2", "u1")
	c.Advance(30 * time.Minute)
	err = s.SaveCode(ctx(t), "f2", hashOf("code-3"), codeLifetime)
	wantErr(t, err, store.ErrStale, "SaveCode on an expired flow")
	err = s.SaveCode(ctx(t), "nope", hashOf("code-4"), codeLifetime)
	wantErr(t, err, store.ErrStale, "SaveCode on an unknown flow")
}

func testFlowByCode(t *testing.T, s *store.Store, c *clock) {
	h := codeFlow(t, s, "f1", "u1")
	got, err := s.FlowByCode(ctx(t), h)
	must(t, err, "FlowByCode")
	if got.ID != "f1" || got.UserID != "u1" || got.DoneAt == nil {
		t.Fatalf("FlowByCode = %+v", got)
	}
	_, err = s.FlowByCode(ctx(t), hashOf("unknown"))
	wantErr(t, err, store.ErrNotFound, "FlowByCode of unknown code")

	c.Advance(codeLifetime - time.Second)
	_, err = s.FlowByCode(ctx(t), h)
	must(t, err, "FlowByCode just before expiry")
	c.Advance(time.Second)
	_, err = s.FlowByCode(ctx(t), h)
	wantErr(t, err, store.ErrNotFound, "FlowByCode at expiry")
	c.Advance(time.Hour)
	_, err = s.FlowByCode(ctx(t), h)
	wantErr(t, err, store.ErrNotFound, "FlowByCode after expiry")
}

func testIssueFromCodeOnce(t *testing.T, s *store.Store, c *clock) {
	newUser(t, s, "u1", "alice")
	codeFlow(t, s, "f1", "u1")
	first := tokens(s, "f1", "u1", "fam1", "1")
	must(t, s.IssueFromCode(ctx(t), "f1", first), "IssueFromCode")
	at, err := s.AccessTokenByID(ctx(t), "at-1")
	must(t, err, "AccessTokenByID")
	if at.GrantID != "f1" || at.UserID != "u1" || at.RefreshTokenID != "rt-1" {
		t.Fatalf("stored access token %+v", at)
	}
	rt, _, err := s.RefreshTokenByHash(ctx(t), hashOf("rt-1"), 0)
	must(t, err, "RefreshTokenByHash")
	if rt.ID != "rt-1" || rt.FamilyID != "fam1" || rt.GrantID != "f1" || rt.ACR != "mfa" {
		t.Fatalf("stored refresh token %+v", rt)
	}
	wantList(t, rt.AMR, []string{"pwd", "otp", "mfa"}, "refresh token amr")
	flow, err := s.FlowByID(ctx(t), "f1")
	must(t, err, "FlowByID")
	wantTime(t, flow.CodeUsedAt, s.Now(), "code_used_at")

	c.Advance(time.Second)
	second := tokens(s, "f1", "u1", "fam2", "2")
	err = s.IssueFromCode(ctx(t), "f1", second)
	wantErr(t, err, store.ErrAlreadyUsed, "second IssueFromCode")
	wantAbsent(t, s, second, "tokens of the refused redemption")
	wantRevoked(t, s, first, "tokens of the first redemption after replay")
}

func testIssueFromCodeReplayAfterRotation(t *testing.T, s *store.Store, c *clock) {
	codeFlow(t, s, "f1", "u1")
	codeFlow(t, s, "f2", "u1")
	first := tokens(s, "f1", "u1", "fam1", "1")
	must(t, s.IssueFromCode(ctx(t), "f1", first), "IssueFromCode")
	other := tokens(s, "f2", "u1", "fam2", "other")
	must(t, s.IssueFromCode(ctx(t), "f2", other), "IssueFromCode f2")
	c.Advance(time.Minute)
	rotated := tokens(s, "f1", "u1", "fam1", "2")
	must(t, s.RotateRefreshToken(ctx(t), hashOf("rt-1"), rotated, 0), "RotateRefreshToken")

	c.Advance(time.Minute)
	err := s.IssueFromCode(ctx(t), "f1", tokens(s, "f1", "u1", "fam3", "3"))
	wantErr(t, err, store.ErrAlreadyUsed, "replayed code")
	wantRevoked(t, s, first, "first tokens after replay")
	wantRevoked(t, s, rotated, "rotated tokens after replay")
	wantLive(t, s, other, "tokens of another grant")
}

func testIssueFromCodeExpired(t *testing.T, s *store.Store, c *clock) {
	codeFlow(t, s, "f1", "u1")
	c.Advance(codeLifetime)
	set := tokens(s, "f1", "u1", "fam1", "1")
	err := s.IssueFromCode(ctx(t), "f1", set)
	if err == nil {
		t.Fatalf("IssueFromCode with an expired code succeeded")
	}
	wantAbsent(t, s, set, "tokens of an expired code")
	newFlow(t, s, "f2") // no code at all
	set = tokens(s, "f2", "u1", "fam2", "2")
	if err := s.IssueFromCode(ctx(t), "f2", set); err == nil {
		t.Fatalf("IssueFromCode on a flow without a code succeeded")
	}
	wantAbsent(t, s, set, "tokens of a flow without a code")
}

func testFlowByCodeAfterRedemption(t *testing.T, s *store.Store, c *clock) {
	h := codeFlow(t, s, "f1", "u1")
	set := tokens(s, "f1", "u1", "fam1", "1")
	must(t, s.IssueFromCode(ctx(t), "f1", set), "IssueFromCode")
	c.Advance(time.Second)
	_, err := s.FlowByCode(ctx(t), h)
	wantErr(t, err, store.ErrAlreadyUsed, "FlowByCode of a redeemed code")
	wantRevoked(t, s, set, "tokens after the redeemed code was presented again")
	c.Advance(time.Hour) // long after the code expired, a replay is still recognised
	_, err = s.FlowByCode(ctx(t), h)
	wantErr(t, err, store.ErrAlreadyUsed, "FlowByCode of a redeemed, expired code")
}
