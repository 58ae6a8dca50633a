package storetest

import (
	"testing"
	"time"

	"github.com/otpgate/otpgate/provider/store"
)

var sessionCases = []testCase{
	{"Sessions/LiveExpiredDeleted", testSessions},
	{"Sessions/OfUserAndDeleteOne", testUserSessions},
}

// testUserSessions: a user's live sessions, newest first, without others'
// or ended ones; one is ended only by its owner's id.
func testUserSessions(t *testing.T, s *store.Store, c *clock) {
	add := func(cookie, user string, life time.Duration) {
		t.Helper()
		must(t, s.CreateSession(ctx(t), &store.Session{ID: hashOf(cookie), UserID: user, AMR: store.StringList{"pwd"},
			IDP: "ldap", AuthTime: s.Now(), CreatedAt: s.Now(), ExpiresAt: s.Now().Add(life)}), "CreateSession "+cookie)
	}
	add("old", "u1", time.Hour)
	c.Advance(time.Minute)
	add("new", "u1", 2*time.Hour)
	add("other", "u2", 2*time.Hour)
	c.Advance(time.Minute)
	add("short", "u1", time.Minute)
	ids := func(user string) []string {
		t.Helper()
		got, err := s.SessionsOfUser(ctx(t), user)
		must(t, err, "SessionsOfUser")
		out := make([]string, len(got))
		for i, g := range got {
			out[i] = g.ID
		}
		return out
	}
	wantList(t, ids("u1"), []string{hashOf("short"), hashOf("new"), hashOf("old")}, "u1's sessions, newest first")
	got, _ := s.SessionsOfUser(ctx(t), "u1")
	if got[1].IDP != "ldap" || len(got[1].AMR) != 1 || !got[1].CreatedAt.Equal(epoch.Add(time.Minute)) {
		t.Fatalf("session read back as %+v", got[1])
	}
	c.Advance(time.Minute) // "short" ends
	wantList(t, ids("u1"), []string{hashOf("new"), hashOf("old")}, "u1's live sessions")
	wantList(t, ids("nobody"), nil, "no sessions")

	wantErr(t, s.DeleteUserSession(ctx(t), "u1", hashOf("other")), store.ErrNotFound, "deleting another user's session")
	wantList(t, ids("u2"), []string{hashOf("other")}, "u2's session after u1's attempt")
	must(t, s.DeleteUserSession(ctx(t), "u1", hashOf("old")), "DeleteUserSession")
	wantErr(t, s.DeleteUserSession(ctx(t), "u1", hashOf("old")), store.ErrNotFound, "deleting it twice")
	wantList(t, ids("u1"), []string{hashOf("new")}, "u1's sessions after one was deleted")
	if _, err := s.SessionByID(ctx(t), hashOf("old")); err == nil {
		t.Fatal("a deleted session still signs in")
	}
}

func testSessions(t *testing.T, s *store.Store, c *clock) {
	authTime := s.Now().Add(-time.Minute)
	sess := &store.Session{ID: hashOf("cookie-1"), UserID: "u1", AMR: store.StringList{"pwd", "kba", "otp", "mfa"},
		ACR: "mfa", AuthTime: authTime, CreatedAt: s.Now(), ExpiresAt: s.Now().Add(8 * time.Hour)}
	must(t, s.CreateSession(ctx(t), sess), "CreateSession")
	must(t, s.CreateSession(ctx(t), &store.Session{ID: hashOf("cookie-2"), UserID: "u1",
		AuthTime: s.Now(), CreatedAt: s.Now(), ExpiresAt: s.Now().Add(24 * time.Hour)}), "CreateSession")
	err := s.CreateSession(ctx(t), &store.Session{ID: hashOf("cookie-1"), UserID: "u2", ExpiresAt: s.Now()})
	if err == nil {
		t.Fatalf("CreateSession with a taken id succeeded")
	}

	got, err := s.SessionByID(ctx(t), hashOf("cookie-1"))
	must(t, err, "SessionByID")
	if got.UserID != "u1" || got.ACR != "mfa" {
		t.Fatalf("SessionByID = %+v", got)
	}
	wantList(t, got.AMR, sess.AMR, "amr")
	wantTime(t, &got.AuthTime, authTime, "auth_time")
	_, err = s.SessionByID(ctx(t), hashOf("cookie-unknown"))
	wantErr(t, err, store.ErrNotFound, "SessionByID of unknown id")

	c.Advance(8*time.Hour - time.Second)
	_, err = s.SessionByID(ctx(t), hashOf("cookie-1"))
	must(t, err, "SessionByID just before expiry")
	c.Advance(time.Second)
	_, err = s.SessionByID(ctx(t), hashOf("cookie-1"))
	wantErr(t, err, store.ErrNotFound, "SessionByID at expiry")

	must(t, s.DeleteSession(ctx(t), hashOf("cookie-2")), "DeleteSession")
	_, err = s.SessionByID(ctx(t), hashOf("cookie-2"))
	wantErr(t, err, store.ErrNotFound, "SessionByID after DeleteSession")
	c.Set(epoch)
	_, err = s.SessionByID(ctx(t), hashOf("cookie-1"))
	must(t, err, "DeleteSession(cookie-2) left cookie-1 alone")
	must(t, s.DeleteSession(ctx(t), hashOf("cookie-unknown")), "DeleteSession of unknown id")
}
