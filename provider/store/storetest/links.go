package storetest

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/otpgate/otpgate/provider/store"
)

var linkCases = []testCase{
	{"links/an identity names one account for good", func(t *testing.T, s *store.Store, _ *clock) {
		u := newUser(t, s, "u-link", "ada")
		other := newUser(t, s, "u-other", "bob")
		p := store.LinkProviderEntra("tenant-1")
		if _, err := s.UserByLink(ctx(t), p, "oid-1"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("UserByLink before any link = %v, want ErrNotFound", err)
		}
		must(t, s.LinkUser(ctx(t), &store.UserLink{Provider: p, Subject: "oid-1", UserID: u.ID}, false), "link")
		got, err := s.UserByLink(ctx(t), p, "oid-1")
		if err != nil || got.ID != u.ID {
			t.Fatalf("UserByLink = %+v, %v; want %s", got, err, u.ID)
		}
		// The same identity is never moved to another account.
		if err := s.LinkUser(ctx(t), &store.UserLink{Provider: p, Subject: "oid-1", UserID: other.ID}, false); !errors.Is(err, store.ErrConflict) {
			t.Fatalf("linking a linked identity again = %v, want ErrConflict", err)
		}
		// The same object id in another tenant is another identity.
		if _, err := s.UserByLink(ctx(t), store.LinkProviderEntra("tenant-2"), "oid-1"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("UserByLink in another tenant = %v, want ErrNotFound", err)
		}
		links, err := s.LinksOf(ctx(t), u.ID)
		if err != nil || len(links) != 1 || links[0].Subject != "oid-1" {
			t.Fatalf("LinksOf = %+v, %v", links, err)
		}
		must(t, s.UnlinkUser(ctx(t), p, "oid-1"), "unlink")
		if err := s.UnlinkUser(ctx(t), p, "oid-1"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("second unlink = %v, want ErrNotFound", err)
		}
	}},
	{"links/first use links one identity when several race for an account", func(t *testing.T, s *store.Store, _ *clock) {
		u := newUser(t, s, "u-race", "ada")
		p := store.LinkProviderEntra("tenant-1")
		const n = 12
		errs := make([]error, n)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range n {
			wg.Go(func() {
				<-start
				errs[i] = s.LinkUser(ctx(t), &store.UserLink{Provider: p, Subject: "oid-" + string(rune('a'+i)), UserID: u.ID}, true)
			})
		}
		close(start)
		wg.Wait()
		won := 0
		for i, err := range errs {
			switch {
			case err == nil:
				won++
			case errors.Is(err, store.ErrStale):
			default:
				t.Errorf("racer %d: %v", i, err)
			}
		}
		links, err := s.LinksOf(ctx(t), u.ID)
		if won != 1 || err != nil || len(links) != 1 {
			t.Fatalf("%d racers won, links %+v (%v); want exactly one", won, links, err)
		}
		// A later first use of another identity is refused too.
		if err := s.LinkUser(ctx(t), &store.UserLink{Provider: p, Subject: "oid-late", UserID: u.ID}, true); !errors.Is(err, store.ErrStale) {
			t.Fatalf("late first use = %v, want ErrStale", err)
		}
		// Another provider's first link is independent.
		must(t, s.LinkUser(ctx(t), &store.UserLink{Provider: store.LinkProviderEntra("tenant-2"), Subject: "oid-a", UserID: u.ID}, true), "other tenant")
	}},
	{"links/a factor-only flow finishes only with its passcode", func(t *testing.T, s *store.Store, _ *clock) {
		u := newUser(t, s, "u-fo", "ada")
		now := s.Now()
		f := &store.Flow{ID: "flow-fo", FlowRequest: store.FlowRequest{ClientID: testClient,
			RedirectURI: "https://app.example/cb", Scopes: store.StringList{"openid"}, ResponseType: "id_token"},
			FlowProgress: store.FlowProgress{UserID: u.ID, FirstFactor: store.FirstFactorEntra, AMR: store.StringList{}},
			CreatedAt:    now, ExpiresAt: now.Add(10 * time.Minute)}
		must(t, s.CreateFlow(ctx(t), f), "create flow")
		r := store.FlowResult{UserID: u.ID, AMR: []string{"otp"}, ACR: "possessionorinherence", AuthTime: now}
		if err := s.FinishFlow(ctx(t), f.ID, r, true, now); !errors.Is(err, store.ErrStale) {
			t.Fatalf("finish without a passcode = %v, want ErrStale", err)
		}
		must(t, s.MarkFlow(ctx(t), f.ID, u.ID, store.StepOTP, now), "passcode")
		must(t, s.FinishFlow(ctx(t), f.ID, r, true, now), "finish after the passcode")
		// A full flow identified by nobody's password never finishes on
		// a passcode alone: the first factor must be recorded.
		g := newFlow(t, s, "flow-full")
		if err := s.FinishFlow(ctx(t), g.ID, store.FlowResult{UserID: u.ID, AMR: []string{"otp"}, AuthTime: now}, true, now); !errors.Is(err, store.ErrStale) {
			t.Fatalf("finish of a full flow without its password = %v, want ErrStale", err)
		}
	}},
}
