package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/otpgate/otpgate/provider/store"
)

var resetLinkCases = []testCase{
	{"ResetLinks/LimitPerHourNeverLocks", testResetLinkLimit},
	{"ResetLinks/NewLinkVoidsOlder", testResetLinkVoidsOlder},
	{"Concurrency/ResetLinksWithinLimit", testRaceResetLinks},
	{"ResetLinks/CodeOfALinkOpenedElsewhere", testLinkCode},
	{"Concurrency/LinkCodeUsedOnce", testRaceLinkCode},
}

// linkCode is the code tag of flowID, valid for 10 minutes.
func linkCode(s *store.Store, userID, flowID, tag string) *store.LinkToken {
	now := s.Now()
	return &store.LinkToken{TokenHash: hashOf(tag), Purpose: store.LinkCode, UserID: userID, FlowID: flowID,
		CreatedAt: now, ExpiresAt: now.Add(10 * time.Minute)}
}

func testLinkCode(t *testing.T, s *store.Store, c *clock) {
	newUser(t, s, "u1", "ann")
	must(t, s.IssueMailedLink(ctx(t), resetLink(s, "u1", "f1", "link"), 3), "IssueMailedLink")
	wantErr(t, s.IssueLinkCode(ctx(t), hashOf("nolink"), linkCode(s, "u1", "f1", "c0")), store.ErrNotFound, "a code of no link")
	wantErr(t, s.IssueLinkCode(ctx(t), hashOf("link"), linkCode(s, "u1", "f2", "c0")), store.ErrNotFound, "a code of another sign-in's link")
	must(t, s.IssueLinkCode(ctx(t), hashOf("link"), linkCode(s, "u1", "f1", "c1")), "IssueLinkCode")
	if _, err := s.PeekLinkToken(ctx(t), hashOf("link"), store.LinkReset); err != nil {
		t.Fatalf("the link stopped working when it showed a code: %v", err)
	}
	// A second code voids the first.
	must(t, s.IssueLinkCode(ctx(t), hashOf("link"), linkCode(s, "u1", "f1", "c2")), "IssueLinkCode again")
	use := func(flow, tag string) bool {
		ok, err := s.UseLinkCode(ctx(t), flow, hashOf(tag), 3)
		must(t, err, "UseLinkCode")
		return ok
	}
	if use("f1", "c1") {
		t.Fatal("a voided code worked")
	}
	if use("f2", "c2") {
		t.Fatal("a code worked in another sign-in")
	}
	// The voided c1 counted one wrong try against f1's live code (f2 has
	// none to count against); this is the second.
	if use("f1", "wrong") {
		t.Fatal("a wrong code worked")
	}
	// A third wrong try kills the code: even the right one fails then.
	if use("f1", "wrong") || use("f1", "c2") {
		t.Fatal("the code worked after three wrong tries")
	}
	// A new code, used once, before it expires.
	must(t, s.IssueLinkCode(ctx(t), hashOf("link"), linkCode(s, "u1", "f1", "c3")), "IssueLinkCode after the tries")
	if !use("f1", "c3") || use("f1", "c3") {
		t.Fatal("a code must work exactly once")
	}
	must(t, s.IssueLinkCode(ctx(t), hashOf("link"), linkCode(s, "u1", "f1", "c4")), "IssueLinkCode")
	c.Advance(10*time.Minute + time.Second)
	if use("f1", "c4") {
		t.Fatal("an expired code worked")
	}
}

// testRaceLinkCode: racing requests with the right code use it once.
func testRaceLinkCode(t *testing.T, s *store.Store, _ *clock) {
	newUser(t, s, "u1", "ann")
	must(t, s.IssueMailedLink(ctx(t), resetLink(s, "u1", "f1", "link"), 3), "IssueMailedLink")
	must(t, s.IssueLinkCode(ctx(t), hashOf("link"), linkCode(s, "u1", "f1", "code")), "IssueLinkCode")
	const n = 12
	var won atomic.Int32
	errs := race(n, func(int) error {
		ok, err := s.UseLinkCode(context.Background(), "f1", hashOf("code"), 5)
		if ok {
			won.Add(1)
		}
		return err
	})
	for _, err := range errs {
		must(t, err, "UseLinkCode")
	}
	if won.Load() != 1 {
		t.Fatalf("the code worked %d times in a race, want once", won.Load())
	}
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
