package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/otpgate/otpgate/provider/store"
)

var cleanupCases = []testCase{
	{"DeleteExpired/KeepsRetention", testDeleteExpired},
}

func testDeleteExpired(t *testing.T, s *store.Store, c *clock) {
	const retention = time.Hour
	now := epoch.Add(100 * time.Hour)
	// Expiry of each row relative to the cleanup time, and whether it survives.
	rows := []struct {
		name    string
		expires time.Duration
		kept    bool
	}{
		{"long-gone", -retention - time.Hour, false},
		{"just-gone", -retention - time.Second, false},
		{"at-cutoff", -retention, true},
		{"recent", -retention + time.Second, true},
		{"live", time.Hour, true},
	}
	for _, r := range rows {
		exp := now.Add(r.expires)
		must(t, s.CreateFlow(ctx(t), &store.Flow{ID: "f-" + r.name, FlowRequest: store.FlowRequest{ClientID: testClient}, CreatedAt: epoch, ExpiresAt: exp}), "CreateFlow")
		must(t, s.CreateSession(ctx(t), &store.Session{ID: "s-" + r.name, UserID: "u1", CreatedAt: epoch, ExpiresAt: exp}), "CreateSession")
		must(t, s.IssueAccessToken(ctx(t), &store.AccessToken{ID: "at-" + r.name, ClientID: testClient, UserID: "u1", CreatedAt: epoch, ExpiresAt: exp}), "IssueAccessToken")
		codeFlow(t, s, "g-"+r.name, "u1")
		set := tokens(s, "g-"+r.name, "u1", "fam-"+r.name, r.name)
		set.Refresh.ExpiresAt, set.Access = exp, nil
		must(t, s.IssueFromCode(ctx(t), "g-"+r.name, set), "IssueFromCode")
	}
	c.Set(now)
	must(t, s.DeleteExpired(ctx(t), retention), "DeleteExpired")

	c.Set(epoch) // every row is live at epoch, so the lookups below see what is left
	for _, r := range rows {
		_, ferr := s.FlowByID(ctx(t), "f-"+r.name)
		_, serr := s.SessionByID(ctx(t), "s-"+r.name)
		_, aerr := s.AccessTokenByID(ctx(t), "at-"+r.name)
		_, rerr := s.RefreshTokenRowByID(ctx(t), "rt-"+r.name)
		for what, err := range map[string]error{"flow": ferr, "session": serr, "access token": aerr, "refresh token": rerr} {
			if r.kept && err != nil {
				t.Errorf("%s %q (expired %s before cleanup, retention %s) was removed: %v", what, r.name, -r.expires, retention, err)
			}
			if !r.kept && !errors.Is(err, store.ErrNotFound) {
				t.Errorf("%s %q (expired %s before cleanup, retention %s): got %v, want it removed", what, r.name, -r.expires, retention, err)
			}
		}
	}
}
