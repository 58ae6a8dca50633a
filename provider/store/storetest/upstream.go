package storetest

import (
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/otpgate/otpgate/provider/store"
)

var upstreamCases = []testCase{
	{"Upstream/FinishClaimsMFAOnlyWhenRecorded", testFinishMFAOnlyRecorded},
	{"Upstream/FinishUpstreamMethodsAsRecorded", testFinishUpstreamMethods},
	{"Upstream/StateConsumedOnce", testUpstreamConsumedOnce},
	{"Upstream/StateRefusedElsewhere", testUpstreamRefusedElsewhere},
	{"Upstream/StateRacedOnce", testUpstreamRaced},
}

// upstreamStart is a pending upstream sign-in of browser "b1" at
// connector "up", state hash hashOf(state).
func upstreamStart(s *store.Store, state string) store.UpstreamStart {
	return store.UpstreamStart{Connector: "up", StateHash: hashOf(state), Nonce: "nonce-" + state,
		Verifier: []byte("sealed-" + state), ExpiresAt: s.Now().Add(10 * time.Minute)}
}

// testFinishMFAOnlyRecorded: a result naming "mfa" finishes a flow only
// when the flow recorded a passcode or an accepted upstream MFA, whatever
// the caller says of needOTP.
func testFinishMFAOnlyRecorded(t *testing.T, s *store.Store, _ *clock) {
	now := s.Now()
	newFlow(t, s, "f1")
	must(t, s.IdentifyFlow(ctx(t), "f1", "u1", now), "IdentifyFlow")
	pwdMFA := store.FlowResult{UserID: "u1", AMR: []string{"pwd", "mfa"}, ACR: "mfa", AuthTime: now}
	wantErr(t, s.FinishFlow(ctx(t), "f1", pwdMFA, false, now), store.ErrStale, "mfa without a passcode")

	newFlow(t, s, "f2")
	must(t, s.IdentifyUpstream(ctx(t), "f2", "u1", "up", []string{"pwd"}, false, now, store.Rebinding{}), "IdentifyUpstream")
	ext := store.FlowResult{UserID: "u1", AMR: []string{"ext", "pwd", "mfa"}, UpstreamAMR: []string{"pwd"}, ACR: "mfa", IDP: "up", AuthTime: now}
	wantErr(t, s.FinishFlow(ctx(t), "f2", ext, false, now), store.ErrStale, "mfa of an upstream whose MFA was not accepted")

	newFlow(t, s, "f3")
	must(t, s.IdentifyUpstream(ctx(t), "f3", "u1", "up", []string{"pwd"}, true, now, store.Rebinding{}), "IdentifyUpstream trusted")
	must(t, s.FinishFlow(ctx(t), "f3", ext, false, now), "mfa of an accepted upstream MFA")
	f := flowOf(t, s, "f3")
	if f.Connector != "up" || !slices.Equal([]string(f.AMR), ext.AMR) || f.UpstreamMFAAt == nil {
		t.Fatalf("finished upstream flow: %+v", f.FlowProgress)
	}
	// A password step after an upstream one forgets the accepted MFA.
	newFlow(t, s, "f4")
	must(t, s.IdentifyUpstream(ctx(t), "f4", "u1", "up", []string{"pwd"}, true, now, store.Rebinding{}), "IdentifyUpstream")
	must(t, s.IdentifyFlow(ctx(t), "f4", "u1", now), "IdentifyFlow after")
	if g := flowOf(t, s, "f4"); g.UpstreamMFAAt != nil || len(g.UpstreamAMR) != 0 || g.Connector != "" {
		t.Fatalf("a password step kept the upstream's result: %+v", g.UpstreamLogin)
	}
	wantErr(t, s.FinishFlow(ctx(t), "f4", pwdMFA, false, now), store.ErrStale, "mfa after the upstream was replaced")
}

// testFinishUpstreamMethods: the upstream's methods a result names are
// exactly those the flow recorded, and an upstream "otp" is never ours.
func testFinishUpstreamMethods(t *testing.T, s *store.Store, _ *clock) {
	now := s.Now()
	newFlow(t, s, "f1")
	must(t, s.IdentifyUpstream(ctx(t), "f1", "u1", "up", []string{"pwd"}, false, now, store.Rebinding{}), "IdentifyUpstream")
	for _, r := range []store.FlowResult{
		{AMR: []string{"ext", "pwd", "hwk"}, UpstreamAMR: []string{"pwd", "hwk"}},
		{AMR: []string{"ext", "hwk"}, UpstreamAMR: []string{"pwd"}},
		{AMR: []string{"ext", "pwd", "otp"}, UpstreamAMR: []string{"pwd"}},
	} {
		r.UserID, r.IDP, r.AuthTime = "u1", "up", now
		wantErr(t, s.FinishFlow(ctx(t), "f1", r, false, now), store.ErrStale, "finish claiming "+r.AMR[1])
	}
	must(t, s.FinishFlow(ctx(t), "f1", store.FlowResult{UserID: "u1", AMR: []string{"ext", "pwd"}, UpstreamAMR: []string{"pwd"},
		IDP: "up", AuthTime: now}, false, now), "finish with the recorded methods")
}

func testUpstreamConsumedOnce(t *testing.T, s *store.Store, c *clock) {
	newFlow(t, s, "f1")
	bindFlow(t, s, "f1", "b1")
	must(t, s.StartUpstream(ctx(t), "f1", "b1", upstreamStart(s, "st1")), "StartUpstream")
	f, err := s.FlowByUpstreamState(ctx(t), hashOf("st1"))
	must(t, err, "FlowByUpstreamState")
	if f.ID != "f1" || f.UpstreamNonce != "nonce-st1" {
		t.Fatalf("pending upstream: %+v", f.UpstreamLogin)
	}
	p, err := s.ConsumeUpstream(ctx(t), f, "up", "b1")
	must(t, err, "ConsumeUpstream")
	if p.Nonce != "nonce-st1" || string(p.Verifier) != "sealed-st1" {
		t.Fatalf("consumed %+v", p)
	}
	g, err := s.FlowByUpstreamState(ctx(t), hashOf("st1"))
	must(t, err, "FlowByUpstreamState after")
	if g.UpstreamNonce != "" || g.UpstreamVerifier != nil {
		t.Fatalf("the nonce and verifier were kept: %+v", g.UpstreamLogin)
	}
	_, err = s.ConsumeUpstream(ctx(t), f, "up", "b1")
	wantErr(t, err, store.ErrStale, "a replayed state")
	_, err = s.ConsumeUpstream(ctx(t), g, "up", "b1")
	wantErr(t, err, store.ErrStale, "a replayed state, read again")

	// An expired one is refused, and a new start replaces the old.
	must(t, s.StartUpstream(ctx(t), "f1", "b1", upstreamStart(s, "st2")), "StartUpstream 2")
	must(t, s.StartUpstream(ctx(t), "f1", "b1", upstreamStart(s, "st3")), "StartUpstream 3")
	_, err = s.FlowByUpstreamState(ctx(t), hashOf("st2"))
	wantErr(t, err, store.ErrNotFound, "a replaced state")
	f3, err := s.FlowByUpstreamState(ctx(t), hashOf("st3"))
	must(t, err, "FlowByUpstreamState 3")
	c.Advance(11 * time.Minute)
	_, err = s.ConsumeUpstream(ctx(t), f3, "up", "b1")
	wantErr(t, err, store.ErrStale, "an expired state")
}

func testUpstreamRefusedElsewhere(t *testing.T, s *store.Store, _ *clock) {
	newFlow(t, s, "f1")
	bindFlow(t, s, "f1", "b1")
	wantErr(t, s.StartUpstream(ctx(t), "f1", "b2", upstreamStart(s, "st1")), store.ErrStale, "a start from another browser")
	must(t, s.StartUpstream(ctx(t), "f1", "b1", upstreamStart(s, "st1")), "StartUpstream")
	f, err := s.FlowByUpstreamState(ctx(t), hashOf("st1"))
	must(t, err, "FlowByUpstreamState")
	_, err = s.ConsumeUpstream(ctx(t), f, "up", "b2")
	wantErr(t, err, store.ErrStale, "a callback in another browser")
	_, err = s.ConsumeUpstream(ctx(t), f, "other", "b1")
	wantErr(t, err, store.ErrStale, "a callback of another connector")
	// Neither spent it.
	_, err = s.ConsumeUpstream(ctx(t), f, "up", "b1")
	must(t, err, "ConsumeUpstream by its own browser")
	finish(t, s, "f1", "u1")
	wantErr(t, s.StartUpstream(ctx(t), "f1", "b1", upstreamStart(s, "st2")), store.ErrStale, "a start in a finished flow")
}

func testUpstreamRaced(t *testing.T, s *store.Store, _ *clock) {
	newFlow(t, s, "f1")
	bindFlow(t, s, "f1", "b1")
	must(t, s.StartUpstream(ctx(t), "f1", "b1", upstreamStart(s, "st1")), "StartUpstream")
	f, err := s.FlowByUpstreamState(ctx(t), hashOf("st1"))
	must(t, err, "FlowByUpstreamState")
	const n = 20
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		wins int
	)
	for range n {
		wg.Go(func() {
			if _, err := s.ConsumeUpstream(ctx(t), f, "up", "b1"); err == nil {
				mu.Lock()
				wins++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if wins != 1 {
		t.Fatalf("%d callbacks consumed one state, want 1", wins)
	}
}

func bindFlow(t *testing.T, s *store.Store, id, browser string) {
	t.Helper()
	if ok, err := s.BindFlow(ctx(t), id, browser); err != nil || !ok {
		t.Fatalf("BindFlow %s: %v %v", id, ok, err)
	}
}
