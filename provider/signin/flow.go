package signin

// Step names a page of the sign-in journey; the values are the pages'
// data-step attributes.
type Step string

// The steps of the journey.
const (
	StepPassword      Step = "password"
	StepUsername      Step = "username"
	StepSetup         Step = "setup"
	StepQuestion      Step = "question"
	StepEnroll        Step = "enroll"
	StepRecoveryCodes Step = "recovery-codes"
	StepOTP           Step = "otp"
	StepEnrollProof   Step = "enroll-proof"
	StepLocked        Step = "locked"
	StepDone          Step = "done"
)

// State is what the dispatcher knows about a flow and its user.
type State struct {
	// FactorOnly: someone else performed the first factor (an Entra ID
	// hint, the relying party of a factor-only client) and named the
	// account; otpgate runs the second factor only, and always.
	FactorOnly bool
	// AskName: a factor-only flow that named nobody (FirstFactorTyped)
	// and whose person has not typed a username yet.
	AskName bool
	// Decoy: a typed name that cannot sign in here (no enabled account,
	// no device, a device to enrol after a proof, a locked account): the
	// passcode step is shown all the same, and every code fails, so that
	// the page tells nothing about the name.
	Decoy bool
	// PasswordDone: the password step passed in this flow.
	PasswordDone bool
	// MustSetup: the account must set a new password (and question) first.
	MustSetup bool
	// QuestionEnabled: the security-question step is on in the configuration.
	QuestionEnabled bool
	// QuestionDone: the security question was answered in this flow.
	QuestionDone bool
	// MFARequired: policy, the user, the client or the request's acr_values
	// demand a second factor.
	MFARequired bool
	// HasDevice: the user has an enrolled device (once enrolled, always asked).
	HasDevice bool
	// EnrolledNow: the device was enrolled, and its first code verified, in
	// this flow.
	EnrolledNow bool
	// CodesAcked: the recovery codes of that enrollment were shown and the
	// person pressed Submit.
	CodesAcked bool
	// OTPDone: a passcode was accepted in this flow.
	OTPDone bool
	// Remembered: the browser is a remembered browser of the account,
	// usable in this flow, which then skips the passcode (remember.go).
	Remembered bool
	// UpstreamMFA: an upstream provider performed the first factor and
	// its own MFA, which its connector trusts, was accepted in place of
	// the passcode.
	UpstreamMFA bool
	// OTPLocked: too many wrong passcodes locked the account until an
	// administrator resets the device.
	OTPLocked bool
	// ProofPending: an administrator reset the device and the one-time
	// enrollment proof has not been presented yet (even if it expired).
	ProofPending bool
	// ProofDone: the enrollment proof was presented in this flow.
	ProofDone bool
	// ResetDone: the person proved possession (recovery code or emailed
	// link) and the lost device was removed in this flow.
	ResetDone bool
}

// Next is the single place the order of the journey lives: password, then
// (first sign-in) setup, then the security question, then the second
// factor: the locked page for an account locked by passcodes; the passcode
// for a user with a device; the enrollment proof after an administrator's
// reset; enrollment and recovery codes for a user without a device who
// needs one (or whose device was just reset). Done comes only when every
// required step has passed.
func Next(s State) Step {
	switch {
	case s.AskName:
		return StepUsername
	case s.Decoy:
		return StepOTP
	}
	if s.FactorOnly {
		// The first factor is someone else's: no password, setup or
		// question (those are knowledge, the type the caller already
		// checked), and the second factor is required.
		s.PasswordDone, s.MustSetup, s.QuestionEnabled, s.MFARequired = true, false, false, true
		// The passcode is the only factor here: nothing stands in for it.
		s.Remembered = false
	}
	switch {
	case !s.PasswordDone:
		return StepPassword
	case s.MustSetup:
		return StepSetup
	case s.QuestionEnabled && !s.QuestionDone:
		return StepQuestion
	case s.OTPLocked:
		return StepLocked
	case s.UpstreamMFA:
		// A trusted upstream's MFA is the second factor: no passcode, no
		// enrollment (a locked account stays locked all the same).
		return StepDone
	case s.EnrolledNow && !s.CodesAcked:
		return StepRecoveryCodes
	case s.EnrolledNow:
		return StepDone
	case s.HasDevice && !s.OTPDone && !s.Remembered:
		return StepOTP
	case s.ProofPending && !s.ProofDone:
		return StepEnrollProof
	case (s.MFARequired || s.ResetDone || s.ProofDone) && !s.HasDevice:
		return StepEnroll
	default:
		return StepDone
	}
}
