package storetest

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/otpgate/otpgate/provider/store"
)

var resetLinkCases = []testCase{
	{"ResetLinks/LimitPerHourNeverLocks", testResetLinkLimit},
	{"ResetLinks/NewLinkVoidsOlder", testResetLinkVoidsOlder},
	{"Concurrency/ResetLinksWithinLimit", testRaceResetLinks},
}

// resetLink is a reset link of userID's sign-in flowID named tag.
func resetLink(s *store.Store, userID, flowID, tag string) *store.LinkToken {
	now := s.Now()
	return &store.LinkToken{TokenHash: hashOf(tag), Purpose: store.LinkReset, UserID: userID, FlowID: flowID,
		CreatedAt: now, ExpiresAt: now.Add(15 * time.Minute)}
}

func testResetLinkLimit(t *testing.T, s *store.Store, c *clock) {
	newUser(t, s, "u1", "ann")
	for i := range 3 {
		must(t, s.IssueMailedLink(ctx(t), resetLink(s, "u1", "f1", fmt.Sprint("l", i)), 3), "IssueMailedLink")
		c.Advance(time.Minute)
	}
	err := s.IssueMailedLink(ctx(t), resetLink(s, "u1", "f1", "l3"), 3)
	wantErr(t, err, store.ErrTooMany, "a fourth link within the hour")
	if _, err := s.PeekLinkToken(ctx(t), hashOf("l2"), store.LinkReset); err != nil {
		t.Fatalf("a refused link voided the last one: %v", err)
	}
	wantOTPRow(t, s, "u1", 0, false, "the mail limit counts toward no lock")
	wantLoginRow(t, s, "u1", 0, 0, 0, "the mail limit counts toward no lock")
	c.Advance(58*time.Minute + time.Second) // the first link is now more than an hour old
	must(t, s.IssueMailedLink(ctx(t), resetLink(s, "u1", "f1", "l4"), 3), "a link once the hour has passed")
	err = s.IssueMailedLink(ctx(t), resetLink(s, "nobody", "f1", "l5"), 3)
	wantErr(t, err, store.ErrNotFound, "a link for an unknown account")
}

func testResetLinkVoidsOlder(t *testing.T, s *store.Store, _ *clock) {
	newUser(t, s, "u1", "ann")
	newUser(t, s, "u2", "bob")
	proof := &store.LinkToken{TokenHash: hashOf("proof"), Purpose: store.LinkProof, UserID: "u1",
		CreatedAt: s.Now(), ExpiresAt: s.Now().Add(time.Hour)}
	must(t, s.CreateLinkToken(ctx(t), proof), "CreateLinkToken (proof)")
	must(t, s.IssueMailedLink(ctx(t), resetLink(s, "u2", "f9", "bob"), 3), "bob's link")
	must(t, s.IssueMailedLink(ctx(t), resetLink(s, "u1", "f1", "old"), 3), "first link")
	must(t, s.IssueMailedLink(ctx(t), resetLink(s, "u1", "f2", "new"), 3), "second link")
	_, err := s.PeekLinkToken(ctx(t), hashOf("old"), store.LinkReset)
	wantErr(t, err, store.ErrNotFound, "the older link after a new one")
	for _, l := range []struct{ tag, purpose string }{{"new", store.LinkReset}, {"bob", store.LinkReset}, {"proof", store.LinkProof}} {
		if _, err := s.PeekLinkToken(ctx(t), hashOf(l.tag), l.purpose); err != nil {
			t.Fatalf("link %q should still work: %v", l.tag, err)
		}
	}
}

func testRaceResetLinks(t *testing.T, s *store.Store, _ *clock) {
	newUser(t, s, "u1", "ann")
	const n, limit = 12, 3
	errs := race(n, func(i int) error {
		return s.IssueMailedLink(context.Background(), resetLink(s, "u1", "f1", fmt.Sprint("r", i)), limit)
	})
	issued, refused := tally(t, errs, store.ErrTooMany)
	if issued != limit || refused != n-limit {
		t.Fatalf("%d links issued and %d refused, want %d and %d", issued, refused, limit, n-limit)
	}
	working := 0
	for i := range n {
		if _, err := s.PeekLinkToken(ctx(t), hashOf(fmt.Sprint("r", i)), store.LinkReset); err == nil {
			working++
		} else if !errors.Is(err, store.ErrNotFound) {
			t.Fatal(err)
		}
	}
	if working != 1 {
		t.Fatalf("%d links work after the race, want exactly 1", working)
	}
}
