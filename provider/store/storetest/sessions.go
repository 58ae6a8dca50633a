package storetest

import (
	"testing"
	"time"

	"github.com/otpgate/otpgate/provider/store"
)

var sessionCases = []testCase{
	{"Sessions/LiveExpiredDeleted", testSessions},
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
