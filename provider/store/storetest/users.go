package storetest

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/otpgate/otpgate/provider/store"
)

var userCases = []testCase{
	{"Users/CreateAndLookup", testUserCreateAndLookup},
	{"Users/DuplicateUsername", testUserDuplicate},
	{"Users/Update", testUserUpdate},
	{"Users/Names", testUserNames},
	{"Users/FinishSetup", testUserFinishSetup},
	{"Users/UpdatePasswordHashCompareAndSwap", testUserPasswordCAS},
	{"Users/ListOrder", testUserList},
	{"Users/RevokeUser", testUserRevoke},
	{"Users/LookAlikeRefused", testUserLookAlike},
	{"Concurrency/LookAlikesCreatedAtOnce", testRaceLookAlikes},
}

func testUserLookAlike(t *testing.T, s *store.Store, _ *clock) {
	newUser(t, s, "u1", "alice")
	newUser(t, s, "u2", "paypal")
	for _, name := range []string{"\u0430lice", "ALI\u200bCE", "ａｌｉｃｅ", "paypa1", "\U0001d52dayp\u0430l"} {
		err := s.CreateUser(ctx(t), &store.User{ID: "x-" + name, Username: name, PasswordHash: "h"})
		var lookAlike *store.LookAlikeError
		if !errors.As(err, &lookAlike) || !errors.Is(err, store.ErrConflict) {
			t.Errorf("CreateUser(%q): %v, want a look-alike refusal", name, err)
			continue
		}
		if lookAlike.Existing != "alice" && lookAlike.Existing != "paypal" {
			t.Errorf("CreateUser(%q) names %q", name, lookAlike.Existing)
		}
	}
	newUser(t, s, "u3", "alicia") // different, not confusable
	u, err := s.UserByUsername(ctx(t), "alicia")
	must(t, err, "UserByUsername")
	if u.UsernameSkeleton != store.UsernameSkeleton("alicia") || u.UsernameSkeleton == "" {
		t.Fatalf("stored skeleton %q", u.UsernameSkeleton)
	}
}

// testRaceLookAlikes: two look-alike names created at once: exactly one
// account is created.
func testRaceLookAlikes(t *testing.T, s *store.Store, _ *clock) {
	names := []string{"bob", "b\u043eb", "ｂｏｂ", "b\u03bfb"}
	errs := race(len(names), func(i int) error {
		return s.CreateUser(context.Background(), &store.User{ID: fmt.Sprint("r", i), Username: names[i], PasswordHash: "h"})
	})
	created := 0
	for i, err := range errs {
		switch {
		case err == nil:
			created++
		case !errors.Is(err, store.ErrConflict):
			t.Errorf("CreateUser(%q): %v", names[i], err)
		}
	}
	if created != 1 {
		t.Fatalf("%d of %d look-alike names created at once, want 1", created, len(names))
	}
}

func testUserCreateAndLookup(t *testing.T, s *store.Store, _ *clock) {
	u := &store.User{ID: "u1", Username: "  Alice.Smith ", Email: "alice@example.com", Name: "Alice Smith",
		PasswordHash: "argon2id$1", MustChangePassword: true, Question: "pet", AnswerHash: "argon2id$2",
		RequireMFA: true}
	must(t, s.CreateUser(ctx(t), u), "create user")
	if u.Username != "alice.smith" {
		t.Fatalf("CreateUser left username %q, want normalised %q", u.Username, "alice.smith")
	}
	for _, name := range []string{"alice.smith", "ALICE.SMITH", "Alice.Smith", " alice.smith\t"} {
		got, err := s.UserByUsername(ctx(t), name)
		must(t, err, "UserByUsername "+name)
		if got.ID != "u1" || got.Username != "alice.smith" {
			t.Fatalf("UserByUsername(%q) = %s/%q, want u1/alice.smith", name, got.ID, got.Username)
		}
	}
	got, err := s.UserByID(ctx(t), "u1")
	must(t, err, "UserByID")
	if got.Email != u.Email || got.Name != u.Name || got.PasswordHash != u.PasswordHash ||
		!got.MustChangePassword || got.Question != "pet" || got.AnswerHash != u.AnswerHash ||
		got.Disabled || !got.RequireMFA {
		t.Fatalf("UserByID = %+v, want the fields of %+v", got, u)
	}
	_, err = s.UserByUsername(ctx(t), "bob")
	wantErr(t, err, store.ErrNotFound, "UserByUsername of unknown name")
	_, err = s.UserByID(ctx(t), "u2")
	wantErr(t, err, store.ErrNotFound, "UserByID of unknown id")
}

func testUserDuplicate(t *testing.T, s *store.Store, _ *clock) {
	newUser(t, s, "u1", "carol")
	for i, name := range []string{"carol", "CAROL", "Carol", " carol "} {
		err := s.CreateUser(ctx(t), &store.User{ID: "dup" + string(rune('a'+i)), Username: name, PasswordHash: "x"})
		wantErr(t, err, store.ErrConflict, "CreateUser with taken name "+name)
	}
	err := s.CreateUser(ctx(t), &store.User{ID: "u1", Username: "dave", PasswordHash: "x"})
	wantErr(t, err, store.ErrConflict, "CreateUser with taken id")
	users, err := s.ListUsers(ctx(t))
	must(t, err, "ListUsers")
	if len(users) != 1 {
		t.Fatalf("after refused duplicates there are %d users, want 1", len(users))
	}
}

func testUserUpdate(t *testing.T, s *store.Store, _ *clock) {
	newUser(t, s, "u1", "erin")
	newUser(t, s, "u2", "frank")
	must(t, s.SetUserPassword(ctx(t), "u1", "hash-temp", true), "SetUserPassword")
	must(t, s.SetUserDisabled(ctx(t), "u1", true), "SetUserDisabled")
	must(t, s.SetUserRequireMFA(ctx(t), "u1", true), "SetUserRequireMFA")
	got, err := s.UserByID(ctx(t), "u1")
	must(t, err, "UserByID")
	if got.PasswordHash != "hash-temp" || !got.RequireMFA || !got.Disabled || !got.MustChangePassword {
		t.Fatalf("after the setters got %+v", got)
	}
	// Setting a boolean back to false must be written too.
	must(t, s.SetUserDisabled(ctx(t), "u1", false), "SetUserDisabled false")
	must(t, s.SetUserRequireMFA(ctx(t), "u1", false), "SetUserRequireMFA false")
	must(t, s.SetUserPassword(ctx(t), "u1", "hash-kept", false), "SetUserPassword mustChange false")
	got, err = s.UserByID(ctx(t), "u1")
	must(t, err, "UserByID")
	if got.Disabled || got.RequireMFA || got.MustChangePassword || got.PasswordHash != "hash-kept" || got.Email != "u1@example.com" {
		t.Fatalf("after setting back to false got %+v", got)
	}
	other, err := s.UserByID(ctx(t), "u2")
	must(t, err, "UserByID u2")
	if other.PasswordHash != "hash-u2" || other.RequireMFA || other.Disabled || other.MustChangePassword {
		t.Fatalf("the setters of u1 changed u2: %+v", other)
	}
	wantErr(t, s.SetUserPassword(ctx(t), "nobody", "h", true), store.ErrNotFound, "SetUserPassword of unknown id")
	wantErr(t, s.SetUserDisabled(ctx(t), "nobody", true), store.ErrNotFound, "SetUserDisabled of unknown id")
	wantErr(t, s.SetUserRequireMFA(ctx(t), "nobody", true), store.ErrNotFound, "SetUserRequireMFA of unknown id")
}

// testUserNames: only the names a change sets are written ("" clears
// one), the display name falls back to the username, and the names of
// other accounts are left alone.
func testUserNames(t *testing.T, s *store.Store, _ *clock) {
	u := newUser(t, s, "u1", "ada")
	newUser(t, s, "u2", "bo")
	if u.DisplayName() != "ada" {
		t.Fatalf("DisplayName without a name = %q, want the username", u.DisplayName())
	}
	name, given, family := "Ada Lovelace", "Ada", "Lovelace"
	must(t, s.SetUserNames(ctx(t), "u1", store.UserNames{Name: &name, GivenName: &given, FamilyName: &family}), "SetUserNames")
	got, err := s.UserByID(ctx(t), "u1")
	must(t, err, "UserByID")
	if got.Name != name || got.GivenName != given || got.FamilyName != family || got.DisplayName() != name {
		t.Fatalf("after SetUserNames got name %q given %q family %q display %q", got.Name, got.GivenName, got.FamilyName, got.DisplayName())
	}
	// Only the given name changes; "" clears the family name.
	given, family = "Augusta Ada", ""
	must(t, s.SetUserNames(ctx(t), "u1", store.UserNames{GivenName: &given, FamilyName: &family}), "SetUserNames part")
	got, err = s.UserByID(ctx(t), "u1")
	must(t, err, "UserByID")
	if got.Name != name || got.GivenName != given || got.FamilyName != "" || got.Email != "u1@example.com" {
		t.Fatalf("after a partial change got name %q given %q family %q email %q", got.Name, got.GivenName, got.FamilyName, got.Email)
	}
	must(t, s.SetUserNames(ctx(t), "u1", store.UserNames{}), "SetUserNames with nothing")
	other, err := s.UserByID(ctx(t), "u2")
	must(t, err, "UserByID u2")
	if other.Name != "" || other.GivenName != "" || other.FamilyName != "" || other.DisplayName() != "bo" {
		t.Fatalf("the names of u1 changed u2: %+v", other)
	}
	wantErr(t, s.SetUserNames(ctx(t), "nobody", store.UserNames{Name: &name}), store.ErrNotFound, "SetUserNames of unknown id")
}

func testUserFinishSetup(t *testing.T, s *store.Store, _ *clock) {
	newUser(t, s, "u1", "olivia")
	newUser(t, s, "u2", "peggy")
	must(t, s.SetUserPassword(ctx(t), "u1", "hash-temp", true), "SetUserPassword")
	must(t, s.FinishSetup(ctx(t), "u1", store.UserSetup{PasswordHash: "hash-new", Question: "first_pet", AnswerHash: "answer-hash"}),
		"FinishSetup")
	got, err := s.UserByID(ctx(t), "u1")
	must(t, err, "UserByID")
	if got.MustChangePassword || got.PasswordHash != "hash-new" || got.Question != "first_pet" || got.AnswerHash != "answer-hash" {
		t.Fatalf("after FinishSetup got %+v", got)
	}
	// Without a question (the question step is off) the stored one stays.
	must(t, s.SetUserPassword(ctx(t), "u1", "hash-temp2", true), "SetUserPassword")
	must(t, s.FinishSetup(ctx(t), "u1", store.UserSetup{PasswordHash: "hash-newer"}), "FinishSetup without question")
	got, err = s.UserByID(ctx(t), "u1")
	must(t, err, "UserByID")
	if got.MustChangePassword || got.PasswordHash != "hash-newer" || got.Question != "first_pet" || got.AnswerHash != "answer-hash" {
		t.Fatalf("after FinishSetup without a question got %+v", got)
	}
	other, err := s.UserByID(ctx(t), "u2")
	must(t, err, "UserByID u2")
	if other.PasswordHash != "hash-u2" || other.Question != "" {
		t.Fatalf("FinishSetup of u1 changed u2: %+v", other)
	}
	wantErr(t, s.FinishSetup(ctx(t), "nobody", store.UserSetup{PasswordHash: "h"}), store.ErrNotFound, "FinishSetup of unknown id")
}

func testUserPasswordCAS(t *testing.T, s *store.Store, _ *clock) {
	newUser(t, s, "u1", "grace") // password hash "hash-u1"
	must(t, s.UpdatePasswordHash(ctx(t), "u1", "hash-u1", "hash-v2"), "UpdatePasswordHash")
	err := s.UpdatePasswordHash(ctx(t), "u1", "hash-u1", "hash-v3")
	wantErr(t, err, store.ErrStale, "UpdatePasswordHash with a stale old hash")
	got, err := s.UserByID(ctx(t), "u1")
	must(t, err, "UserByID")
	if got.PasswordHash != "hash-v2" {
		t.Fatalf("password hash is %q, want %q", got.PasswordHash, "hash-v2")
	}
	err = s.UpdatePasswordHash(ctx(t), "nobody", "hash-u1", "hash-v3")
	wantErr(t, err, store.ErrStale, "UpdatePasswordHash of unknown id")
}

func testUserList(t *testing.T, s *store.Store, _ *clock) {
	users, err := s.ListUsers(ctx(t))
	must(t, err, "ListUsers on empty store")
	if len(users) != 0 {
		t.Fatalf("ListUsers on empty store returned %d users", len(users))
	}
	newUser(t, s, "u1", "mallory")
	newUser(t, s, "u2", "Bob")
	newUser(t, s, "u3", "alice")
	newUser(t, s, "u4", "zoe")
	newUser(t, s, "u5", "Carol")
	users, err = s.ListUsers(ctx(t))
	must(t, err, "ListUsers")
	var names []string
	for _, u := range users {
		names = append(names, u.Username)
	}
	wantList(t, names, []string{"alice", "bob", "carol", "mallory", "zoe"}, "ListUsers order")
}

func testUserRevoke(t *testing.T, s *store.Store, c *clock) {
	newUser(t, s, "u1", "heidi")
	newUser(t, s, "u2", "ivan")
	for _, id := range []string{"s1a", "s1b"} {
		must(t, s.CreateSession(ctx(t), &store.Session{ID: hashOf(id), UserID: "u1", AuthTime: s.Now(),
			CreatedAt: s.Now(), ExpiresAt: s.Now().Add(time.Hour)}), "create session")
	}
	must(t, s.CreateSession(ctx(t), &store.Session{ID: hashOf("s2"), UserID: "u2", AuthTime: s.Now(),
		CreatedAt: s.Now(), ExpiresAt: s.Now().Add(time.Hour)}), "create session")
	codeFlow(t, s, "f1", "u1")
	codeFlow(t, s, "f2", "u2")
	set1 := tokens(s, "f1", "u1", "fam1", "1")
	set2 := tokens(s, "f2", "u2", "fam2", "2")
	must(t, s.IssueFromCode(ctx(t), "f1", set1), "issue u1")
	must(t, s.IssueFromCode(ctx(t), "f2", set2), "issue u2")
	extra := &store.AccessToken{ID: "at-extra", ClientID: testClient, UserID: "u1",
		CreatedAt: s.Now(), ExpiresAt: s.Now().Add(time.Hour)}
	must(t, s.IssueAccessToken(ctx(t), extra), "IssueAccessToken")

	c.Advance(time.Minute)
	must(t, s.RevokeUser(ctx(t), "u1"), "RevokeUser")
	for _, id := range []string{"s1a", "s1b"} {
		_, err := s.SessionByID(ctx(t), hashOf(id))
		wantErr(t, err, store.ErrNotFound, "session "+id+" after RevokeUser")
	}
	wantRevoked(t, s, set1, "u1 tokens after RevokeUser")
	_, err := s.AccessTokenByID(ctx(t), "at-extra")
	wantErr(t, err, store.ErrNotFound, "u1 extra access token after RevokeUser")

	if _, err := s.SessionByID(ctx(t), hashOf("s2")); err != nil {
		t.Fatalf("RevokeUser(u1) ended u2's session: %v", err)
	}
	wantLive(t, s, set2, "u2 tokens after RevokeUser(u1)")
}
