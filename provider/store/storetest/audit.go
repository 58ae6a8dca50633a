package storetest

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/otpgate/otpgate/provider/store"
)

var auditCases = []testCase{
	{"Audit/RoundTripAndFilters", testAudit},
	{"Audit/EventUntilAndPages", testAuditPages},
}

// testAuditPages: the event and until filters, and pages newest first
// after a cursor, exact when many events share one time and while events
// are written between the pages.
func testAuditPages(t *testing.T, s *store.Store, c *clock) {
	var want []string // oldest first
	for i := range 12 {
		e := &store.AuditEvent{Event: store.EventSignIn, UserID: "u1"}
		if i%3 == 0 {
			e.Event = store.EventUnlock
		}
		must(t, s.Audit(ctx(t), e), "Audit")
		want = append(want, e.ID)
		if i%4 == 3 {
			c.Advance(time.Second) // four events share each second
		}
	}
	all := auditEvents(t, s, store.AuditQuery{}, "all")
	if len(all) != 12 {
		t.Fatalf("%d events, want 12", len(all))
	}
	unlocks := auditEvents(t, s, store.AuditQuery{Event: store.EventUnlock}, "by event")
	if len(unlocks) != 4 || unlocks[0].Event != store.EventUnlock {
		t.Fatalf("by event: %+v", unlocks)
	}
	wantEvents(t, auditEvents(t, s, store.AuditQuery{Until: epoch.Add(time.Second)}, "until"),
		idsOf(all[:4]), "until (exclusive)")
	wantEvents(t, auditEvents(t, s, store.AuditQuery{Since: epoch.Add(time.Second), Until: epoch.Add(2 * time.Second)}, "window"),
		idsOf(all[4:8]), "since and until")

	// Pages of 5, newest first, with events written between them: every
	// event of the start is seen once, in order; none twice.
	seen := map[string]int{}
	var order []store.AuditEvent
	var cursor *store.AuditCursor
	for page := 0; ; page++ {
		got := auditEvents(t, s, store.AuditQuery{Limit: 5, Newest: true, Before: cursor}, "page")
		if len(got) == 0 {
			break
		}
		for i := len(got) - 1; i >= 0; i-- {
			seen[got[i].ID]++
			order = append(order, got[i])
		}
		last := got[0]
		cursor = &store.AuditCursor{At: last.At, ID: last.ID}
		// Written now, at the cursor's time and later: never in a later page.
		must(t, s.Audit(ctx(t), &store.AuditEvent{Event: store.EventSignIn, At: last.At.Add(time.Second)}), "Audit between pages")
		if page > 10 {
			t.Fatal("the pages do not end")
		}
	}
	for _, id := range want {
		if seen[id] != 1 {
			t.Fatalf("event %s seen %d times across the pages", id, seen[id])
		}
	}
	for i := 1; i < len(order); i++ {
		a, b := order[i-1], order[i]
		if a.At.Before(b.At) || (a.At.Equal(b.At) && a.ID < b.ID) {
			t.Fatalf("pages out of order at %d: %s %s then %s %s", i, a.At, a.ID, b.At, b.ID)
		}
	}
	// A cursor combines with the filters.
	first := auditEvents(t, s, store.AuditQuery{Event: store.EventUnlock, Limit: 2, Newest: true}, "filtered page")
	rest := auditEvents(t, s, store.AuditQuery{Event: store.EventUnlock, Newest: true, Limit: 10,
		Before: &store.AuditCursor{At: first[0].At, ID: first[0].ID}}, "filtered next page")
	if len(first) != 2 || len(rest) != 2 || rest[1].At.After(first[0].At) {
		t.Fatalf("filtered pages: %+v then %+v", first, rest)
	}
}

func idsOf(events []store.AuditEvent) []string {
	out := make([]string, len(events))
	for i, e := range events {
		out[i] = e.ID
	}
	return out
}

// wantEvents checks the ids of events, in order.
func wantEvents(t *testing.T, got []store.AuditEvent, want []string, what string) {
	t.Helper()
	ids := make([]string, len(got))
	for i, e := range got {
		ids[i] = e.ID
	}
	if strings.Join(ids, ",") != strings.Join(want, ",") {
		t.Fatalf("%s: got events %q, want %q", what, ids, want)
	}
}

func auditEvents(t *testing.T, s *store.Store, q store.AuditQuery, what string) []store.AuditEvent {
	t.Helper()
	got, err := s.AuditEvents(ctx(t), q)
	must(t, err, what+": AuditEvents")
	return got
}

func testAudit(t *testing.T, s *store.Store, c *clock) {
	// Written without id and time: both are filled in.
	first := &store.AuditEvent{Event: store.EventSignIn, UserID: "u1", Username: "ann", ClientID: testClient,
		IP: "192.0.2.1", Actor: "user", Detail: "amr pwd kba otp mfa"}
	must(t, s.Audit(ctx(t), first), "Audit")
	if first.ID == "" || !first.At.Equal(epoch) {
		t.Fatalf("Audit filled in id %q and time %s; want an id and %s", first.ID, first.At, epoch)
	}
	c.Advance(time.Minute)

	// Written with an id and an earlier time, in another time zone.
	tokyo := time.FixedZone("JST", 9*3600)
	second := &store.AuditEvent{ID: "ev-second", At: epoch.Add(30 * time.Second).In(tokyo), Event: store.EventAdminResetOTP,
		UserID: "u2", Username: "bob", Actor: "admin:root", Detail: "device reset"}
	must(t, s.Audit(ctx(t), second), "Audit with id and time")
	if second.ID != "ev-second" || !second.At.Equal(epoch.Add(30*time.Second)) {
		t.Fatalf("Audit changed the given id or time: %q %s", second.ID, second.At)
	}

	// A detail longer than the column is cut to 512 bytes.
	long := strings.Repeat("0123456789", 60)
	third := &store.AuditEvent{Event: store.EventSignInFailed, UserID: "u1", Username: "ann", Actor: "user", Detail: long}
	must(t, s.Audit(ctx(t), third), "Audit with a long detail")

	// …also when byte 512 falls inside a multi-byte character.
	c.Advance(time.Minute)
	wide := "x" + strings.Repeat("ロック", 100) // 1 + 900 bytes: byte 512 is inside a character
	fourth := &store.AuditEvent{ID: "ev-fourth", Event: store.EventOTPLocked, UserID: "u1", Username: "ann",
		Actor: "user", Detail: wide}
	must(t, s.Audit(ctx(t), fourth), "Audit with a long Japanese detail")
	// An event written later but dated earlier sorts by its date.
	late := &store.AuditEvent{ID: "ev-late", At: epoch.Add(90 * time.Second), Event: store.EventUnlock, UserID: "u1",
		Actor: "admin:root"}
	must(t, s.Audit(ctx(t), late), "Audit dated in the past")

	all := auditEvents(t, s, store.AuditQuery{}, "all")
	wantEvents(t, all, []string{first.ID, "ev-second", third.ID, "ev-late", "ev-fourth"}, "all, oldest first")
	got := all[0]
	if got.Event != store.EventSignIn || got.UserID != "u1" || got.Username != "ann" || got.ClientID != testClient ||
		got.IP != "192.0.2.1" || got.Actor != "user" || got.Detail != "amr pwd kba otp mfa" {
		t.Fatalf("stored event = %+v, want %+v", got, *first)
	}
	wantTime(t, &got.At, epoch, "first event's time")
	wantTime(t, &all[1].At, epoch.Add(30*time.Second), "second event's time")
	if all[1].Actor != "admin:root" || all[1].Event != store.EventAdminResetOTP {
		t.Fatalf("second event = %+v", all[1])
	}
	wantTime(t, &all[2].At, epoch.Add(time.Minute), "third event's time")
	if all[2].Detail != long[:512] {
		t.Fatalf("long detail stored as %d bytes %q, want its first 512 bytes", len(all[2].Detail), all[2].Detail)
	}
	d := all[4].Detail
	if !utf8.ValidString(d) || !strings.HasPrefix(wide, d) || len(d) > 512 || len(d) < 512-utf8.UTFMax {
		t.Fatalf("long Japanese detail stored as %d bytes %q, want a valid prefix of at most 512 bytes", len(d), d)
	}

	wantEvents(t, auditEvents(t, s, store.AuditQuery{UserID: "u1"}, "u1"),
		[]string{first.ID, third.ID, "ev-late", "ev-fourth"}, "by user")
	wantEvents(t, auditEvents(t, s, store.AuditQuery{UserID: "u2"}, "u2"), []string{"ev-second"}, "by other user")
	wantEvents(t, auditEvents(t, s, store.AuditQuery{UserID: "nobody"}, "nobody"), nil, "by unknown user")
	wantEvents(t, auditEvents(t, s, store.AuditQuery{Since: epoch.Add(30 * time.Second)}, "since"),
		[]string{"ev-second", third.ID, "ev-late", "ev-fourth"}, "since (inclusive)")
	wantEvents(t, auditEvents(t, s, store.AuditQuery{Since: epoch.Add(31 * time.Second).In(tokyo)}, "since, other zone"),
		[]string{third.ID, "ev-late", "ev-fourth"}, "since, given in another time zone")
	wantEvents(t, auditEvents(t, s, store.AuditQuery{Since: epoch.Add(time.Hour)}, "since later"), nil, "since after the last event")
	wantEvents(t, auditEvents(t, s, store.AuditQuery{Limit: 2}, "limit"), []string{first.ID, "ev-second"}, "limit")
	wantEvents(t, auditEvents(t, s, store.AuditQuery{UserID: "u1", Limit: 2}, "user and limit"),
		[]string{first.ID, third.ID}, "user and limit")
	wantEvents(t, auditEvents(t, s, store.AuditQuery{UserID: "u1", Since: epoch.Add(time.Second), Limit: 2}, "all filters"),
		[]string{third.ID, "ev-late"}, "user, since and limit")

	// A detail that is not valid UTF-8 is still stored (repaired), not lost.
	must(t, s.Audit(ctx(t), &store.AuditEvent{ID: "ev-bad", Event: store.EventSignInFailed, UserID: "u3",
		Detail: "bad \xff byte"}), "Audit with invalid UTF-8")
	bad := auditEvents(t, s, store.AuditQuery{UserID: "u3"}, "u3")
	wantEvents(t, bad, []string{"ev-bad"}, "invalid UTF-8")
	if bad[0].Detail != "bad \uFFFD byte" {
		t.Fatalf("invalid UTF-8 detail stored as %q", bad[0].Detail)
	}
}
