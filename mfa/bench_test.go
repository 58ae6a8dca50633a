package mfa_test

import (
	"context"
	"testing"

	"github.com/otpgate/otpgate/mfa"
)

// acceptStore accepts every step, so the benchmark measures verification
// itself: normalisation and the HMACs of the ±1 window.
type acceptStore struct{}

func (acceptStore) AdvanceStep(context.Context, string, int64) (bool, error) { return true, nil }

func BenchmarkVerifyPasscode(b *testing.B) {
	p := mfa.Default
	v := &mfa.Verifier{TOTP: p, Now: frozen(t0), Store: acceptStore{}}
	// The code of the next step: the window is walked to its end.
	dev := mfa.Device{ID: "dev-1", Secret: testSecret, LastStep: 0}
	c := code(b, p, testSecret, p.Step(t0)+1)
	ctx := context.Background()
	for b.Loop() {
		if err := v.Verify(ctx, dev, c); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkMatch(b *testing.B) {
	p := mfa.Default
	S := p.Step(t0)
	c := code(b, p, testSecret, S)
	for b.Loop() {
		if step, err := p.Match(testSecret, c, t0, S-10); err != nil || step != S {
			b.Fatal(step, err)
		}
	}
}
