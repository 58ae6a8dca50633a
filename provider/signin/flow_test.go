package signin

import "testing"

func TestNext(t *testing.T) {
	q := State{QuestionEnabled: true}
	with := func(s State, f func(*State)) State { f(&s); return s }
	passed := with(q, func(s *State) { s.PasswordDone, s.QuestionDone = true, true })
	tests := []struct {
		name string
		in   State
		want Step
	}{
		{"nothing done", q, StepPassword},
		{"nothing done, setup pending", with(q, func(s *State) { s.MustSetup = true }), StepPassword},
		{"password done, first sign-in", with(q, func(s *State) { s.PasswordDone, s.MustSetup = true, true }), StepSetup},
		{"setup beats an answered question", with(passed, func(s *State) { s.MustSetup = true }), StepSetup},
		{"password done", with(q, func(s *State) { s.PasswordDone = true }), StepQuestion},
		{"question answered, no second factor needed", passed, StepDone},
		{"question off", State{PasswordDone: true}, StepDone},
		{"question off, first sign-in", State{PasswordDone: true, MustSetup: true}, StepSetup},
		{"question answered but password not", with(q, func(s *State) { s.QuestionDone = true }), StepPassword},
		{"mfa required, no device", with(passed, func(s *State) { s.MFARequired = true }), StepEnroll},
		{"mfa required, device: passcode", with(passed, func(s *State) { s.MFARequired, s.HasDevice = true, true }), StepOTP},
		{"device without policy: still asked", with(passed, func(s *State) { s.HasDevice = true }), StepOTP},
		{"remembered browser: no passcode", with(passed, func(s *State) { s.HasDevice, s.Remembered = true, true }), StepDone},
		{"remembered browser never before the question", with(q, func(s *State) { s.PasswordDone, s.HasDevice, s.Remembered = true, true, true }), StepQuestion},
		{"remembered browser does not unlock", with(passed, func(s *State) { s.HasDevice, s.OTPLocked, s.Remembered = true, true, true }), StepLocked},
		{"remembered browser never skips a factor-only passcode", State{FactorOnly: true, HasDevice: true, Remembered: true}, StepOTP},
		{"passcode accepted", with(passed, func(s *State) { s.HasDevice, s.OTPDone = true, true }), StepDone},
		{"enrolled now: recovery codes", with(passed, func(s *State) { s.MFARequired, s.HasDevice, s.EnrolledNow, s.OTPDone = true, true, true, true }), StepRecoveryCodes},
		{"enrolled now, codes acknowledged", with(passed, func(s *State) {
			s.MFARequired, s.HasDevice, s.EnrolledNow, s.OTPDone, s.CodesAcked = true, true, true, true, true
		}), StepDone},
		{"second factor never before the question", with(q, func(s *State) { s.PasswordDone, s.MFARequired, s.HasDevice = true, true, true }), StepQuestion},
		{"second factor never before setup", with(passed, func(s *State) { s.MustSetup, s.HasDevice = true, true }), StepSetup},
		{"a passcode alone is not a sign-in", State{QuestionEnabled: true, HasDevice: true, OTPDone: true}, StepPassword},
		{"locked after the first factor", with(passed, func(s *State) { s.HasDevice, s.OTPLocked = true, true }), StepLocked},
		{"trusted upstream MFA: no passcode", State{PasswordDone: true, HasDevice: true, MFARequired: true, UpstreamMFA: true}, StepDone},
		{"trusted upstream MFA: no enrollment", State{PasswordDone: true, MFARequired: true, UpstreamMFA: true}, StepDone},
		{"trusted upstream MFA does not unlock", State{PasswordDone: true, HasDevice: true, OTPLocked: true, UpstreamMFA: true}, StepLocked},
		{"upstream MFA is no first factor", State{HasDevice: true, UpstreamMFA: true}, StepPassword},
		{"locked beats an accepted passcode", with(passed, func(s *State) { s.HasDevice, s.OTPDone, s.OTPLocked = true, true, true }), StepLocked},
		{"locked is not revealed before the question", with(q, func(s *State) { s.PasswordDone, s.OTPLocked = true, true }), StepQuestion},
		{"factor only: no password, setup or question; the passcode", State{FactorOnly: true, QuestionEnabled: true, MustSetup: true, HasDevice: true}, StepOTP},
		{"factor only, no device: enrol even without policy", State{FactorOnly: true, QuestionEnabled: true}, StepEnroll},
		{"factor only, first enrollment needs its proof", State{FactorOnly: true, ProofPending: true}, StepEnrollProof},
		{"factor only: never done without the passcode", State{FactorOnly: true, HasDevice: true, QuestionDone: true, PasswordDone: true}, StepOTP},
		{"factor only, locked", State{FactorOnly: true, HasDevice: true, OTPLocked: true}, StepLocked},
		{"factor only, passcode accepted", State{FactorOnly: true, HasDevice: true, OTPDone: true}, StepDone},
		{"typed: the username first", State{FactorOnly: true, AskName: true, HasDevice: true}, StepUsername},
		{"typed: a decoy is always the passcode page", State{FactorOnly: true, Decoy: true, OTPLocked: true, ProofPending: true}, StepOTP},
		{"typed: a decoy is never done", State{FactorOnly: true, Decoy: true, OTPDone: true, EnrolledNow: true}, StepOTP},
		{"admin reset: proof first", with(passed, func(s *State) { s.ProofPending = true }), StepEnrollProof},
		{"admin reset, proof given: enrol even without policy", with(passed, func(s *State) { s.ProofPending, s.ProofDone = true, true }), StepEnroll},
		{"self-service reset: enrol even without policy", with(passed, func(s *State) { s.ResetDone = true }), StepEnroll},
		{"self-service reset, enrolled: recovery codes", with(passed, func(s *State) { s.ResetDone, s.HasDevice, s.EnrolledNow = true, true, true }), StepRecoveryCodes},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Next(tt.in); got != tt.want {
				t.Fatalf("Next(%+v) = %s, want %s", tt.in, got, tt.want)
			}
		})
	}
}
