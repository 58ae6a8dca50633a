package storetest

import (
	"slices"
	"testing"
	"time"

	"github.com/otpgate/otpgate/provider/store"
)

var flowStepCases = []testCase{
	{"FlowSteps/IdentifyKeepsOneAccount", testIdentifyFlow},
	{"FlowSteps/MarkOnlyOwnUnfinished", testMarkFlow},
	{"FlowSteps/EnrollmentOffer", testOfferSecret},
	{"FlowSteps/FinishClaimsOnlyRecorded", testFinishFlow},
	{"FlowSteps/FinishFromSession", testFinishFlowFromSession},
}

func flowOf(t *testing.T, s *store.Store, id string) *store.Flow {
	t.Helper()
	f, err := s.FlowByID(ctx(t), id)
	must(t, err, "FlowByID "+id)
	return f
}

func testIdentifyFlow(t *testing.T, s *store.Store, c *clock) {
	newFlow(t, s, "f1")
	must(t, s.IdentifyFlow(ctx(t), "f1", "u1", s.Now()), "IdentifyFlow")
	must(t, s.MarkFlow(ctx(t), "f1", "u1", store.StepQuestion, s.Now()), "MarkFlow question")
	must(t, s.MarkFlow(ctx(t), "f1", "u1", store.StepOTP, s.Now()), "MarkFlow otp")
	wantErr(t, s.IdentifyFlow(ctx(t), "f1", "u2", s.Now()), store.ErrStale, "IdentifyFlow with another account")
	if f := flowOf(t, s, "f1"); f.UserID != "u1" || f.OTPAt == nil {
		t.Fatalf("another account's password changed the flow: %+v", f.FlowProgress)
	}
	c.Advance(time.Second)
	must(t, s.IdentifyFlow(ctx(t), "f1", "u1", s.Now()), "IdentifyFlow again")
	f := flowOf(t, s, "f1")
	if f.QuestionAt != nil || f.OTPAt != nil || f.PasswordAt == nil || !f.PasswordAt.Equal(s.Now()) {
		t.Fatalf("a new password step kept earlier results: %+v", f.FlowProgress)
	}
	finish(t, s, "f1", "u1")
	wantErr(t, s.IdentifyFlow(ctx(t), "f1", "u1", s.Now()), store.ErrStale, "IdentifyFlow of a finished flow")
}

func testMarkFlow(t *testing.T, s *store.Store, _ *clock) {
	newFlow(t, s, "f1")
	wantErr(t, s.MarkFlow(ctx(t), "f1", "u1", store.StepQuestion, s.Now()), store.ErrStale, "MarkFlow before identify")
	must(t, s.IdentifyFlow(ctx(t), "f1", "u1", s.Now()), "IdentifyFlow")
	wantErr(t, s.MarkFlow(ctx(t), "f1", "u2", store.StepOTP, s.Now()), store.ErrStale, "MarkFlow for another account")
	wantErr(t, s.MarkFlow(ctx(t), "f1", "u1", store.StepCodesAck, s.Now()), store.ErrStale, "codes acknowledged without an enrollment")
	if err := s.MarkFlow(ctx(t), "f1", "u1", store.FlowStep("done_at"), s.Now()); err == nil {
		t.Fatalf("MarkFlow accepted an unknown step")
	}
	must(t, s.MarkFlow(ctx(t), "f1", "u1", store.StepSetup, s.Now()), "MarkFlow setup")
	if f := flowOf(t, s, "f1"); f.SetupAt == nil || f.DoneAt != nil {
		t.Fatalf("MarkFlow setup: %+v", f.FlowProgress)
	}
	wantErr(t, s.MarkFlow(ctx(t), "nope", "u1", store.StepSetup, s.Now()), store.ErrStale, "MarkFlow of an unknown flow")
}

func testOfferSecret(t *testing.T, s *store.Store, c *clock) {
	newUser(t, s, "u1", "ann")
	newFlow(t, s, "f1")
	must(t, s.IdentifyFlow(ctx(t), "f1", "u1", s.Now()), "IdentifyFlow")
	must(t, s.OfferSecret(ctx(t), "f1", []byte("sealed-1"), s.Now().Add(10*time.Minute)), "OfferSecret")
	for want := 1; want <= 2; want++ {
		n, err := s.CountWrongEnrollCode(ctx(t), "f1")
		must(t, err, "CountWrongEnrollCode")
		if n != want {
			t.Fatalf("wrong codes = %d, want %d", n, want)
		}
	}
	must(t, s.OfferSecret(ctx(t), "f1", []byte("sealed-2"), s.Now().Add(10*time.Minute)), "OfferSecret again")
	if f := flowOf(t, s, "f1"); string(f.PendingSecret) != "sealed-2" || f.PendingAttempts != 0 {
		t.Fatalf("a new offer: secret %q attempts %d", f.PendingSecret, f.PendingAttempts)
	}
	must(t, s.EnrollDevice(ctx(t), enrollment("f1", "u1", "d1", 100)), "EnrollDevice")
	wantErr(t, s.OfferSecret(ctx(t), "f1", []byte("sealed-3"), s.Now()), store.ErrStale, "OfferSecret after enrollment")
	_, err := s.CountWrongEnrollCode(ctx(t), "f1")
	wantErr(t, err, store.ErrStale, "CountWrongEnrollCode after enrollment")
}

func testFinishFlow(t *testing.T, s *store.Store, _ *clock) {
	newFlow(t, s, "f1")
	must(t, s.IdentifyFlow(ctx(t), "f1", "u1", s.Now()), "IdentifyFlow")
	mfa := store.FlowResult{UserID: "u1", AMR: []string{"pwd", "kba", "otp", "mfa"}, ACR: "mfa", AuthTime: s.Now()}
	wantErr(t, s.FinishFlow(ctx(t), "f1", mfa, false, s.Now()), store.ErrStale, "finish claiming unrecorded steps")
	pwd := store.FlowResult{UserID: "u1", AMR: []string{"pwd"}, ACR: "pwd", AuthTime: s.Now()}
	wantErr(t, s.FinishFlow(ctx(t), "f1", pwd, true, s.Now()), store.ErrStale, "finish without a required passcode")
	wantErr(t, s.FinishFlow(ctx(t), "f1", store.FlowResult{UserID: "u2", AMR: []string{"pwd"}}, false, s.Now()),
		store.ErrStale, "finish for another account")
	must(t, s.MarkFlow(ctx(t), "f1", "u1", store.StepQuestion, s.Now()), "MarkFlow question")
	must(t, s.MarkFlow(ctx(t), "f1", "u1", store.StepOTP, s.Now()), "MarkFlow otp")
	must(t, s.FinishFlow(ctx(t), "f1", mfa, true, s.Now()), "FinishFlow")
	f := flowOf(t, s, "f1")
	if f.DoneAt == nil || f.ACR != "mfa" || !slices.Equal([]string(f.AMR), mfa.AMR) || f.AuthTime == nil {
		t.Fatalf("finished flow: %+v", f.FlowProgress)
	}
	wantErr(t, s.FinishFlow(ctx(t), "f1", mfa, true, s.Now()), store.ErrStale, "finish twice")
}

func testFinishFlowFromSession(t *testing.T, s *store.Store, _ *clock) {
	newFlow(t, s, "f1")
	r := store.FlowResult{UserID: "u1", AMR: []string{"pwd", "kba"}, ACR: "pwd", AuthTime: s.Now()}
	must(t, s.FinishFlowFromSession(ctx(t), "f1", r, s.Now()), "FinishFlowFromSession")
	if f := flowOf(t, s, "f1"); f.UserID != "u1" || f.DoneAt == nil {
		t.Fatalf("flow from a session: %+v", f.FlowProgress)
	}
	wantErr(t, s.FinishFlowFromSession(ctx(t), "f1", r, s.Now()), store.ErrStale, "finish twice")
	newFlow(t, s, "f2")
	must(t, s.IdentifyFlow(ctx(t), "f2", "u2", s.Now()), "IdentifyFlow")
	wantErr(t, s.FinishFlowFromSession(ctx(t), "f2", r, s.Now()), store.ErrStale, "another account's session")
}
