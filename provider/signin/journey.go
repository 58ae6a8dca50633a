package signin

import (
	"context"
	"errors"

	"github.com/otpgate/otpgate/provider/store"
)

// maxIDLen bounds a request id before any lookup.
const maxIDLen = 64

// Request names a flow and the browser and address asking about it.
type Request struct {
	FlowID string
	// Browser is the hash of the browser's binding cookie ("" if none).
	Browser string
	// IP is the client address, for the audit log.
	IP string
}

// Journey is a flow with everything its next step is decided on.
type Journey struct {
	Flow   *store.Flow
	User   *store.User   // nil until the password step identified someone
	Device *store.Device // nil when the user has no enrolled device
	State  State
	// IP is the client address of the request, for the audit log.
	IP string
	// FirstEnrollment: the proof step guards the first enrollment of a
	// device (mfa.enrollment_proof), not the return after a reset.
	FirstEnrollment bool
	// DeviceCookie is the hash of the browser's device cookie ("" if
	// none): whether it is a known browser of the account (throttle.go).
	DeviceCookie string
}

// Next is the step the journey is at.
func (j *Journey) Next() Step { return Next(j.State) }

// Bind ties an unbound flow to the browser on its first visit; a flow
// bound to another browser keeps its binding.
func (s *Service) Bind(ctx context.Context, flowID, browser string) error {
	if flowID == "" || len(flowID) > maxIDLen {
		return nil
	}
	if err := s.store.BindFlow(ctx, flowID, browser); err != nil {
		return fault(err)
	}
	return nil
}

// Rebind moves j's browser (its flows, and an enrollment it holds) to the
// new binding newHash after the binding cookie was rotated at a privilege
// change; j's flow follows.
func (s *Service) Rebind(ctx context.Context, j *Journey, newHash string) error {
	old := j.Flow.BrowserHash
	if old == "" || old == newHash {
		return nil
	}
	if err := s.store.RebindBrowser(ctx, old, newHash); err != nil {
		return fault(err)
	}
	j.Flow.BrowserHash = newHash
	return nil
}

// Flow loads the flow r names and checks that it is alive and belongs to
// r's browser.
func (s *Service) Flow(ctx context.Context, r Request) (*store.Flow, error) {
	if r.FlowID == "" || len(r.FlowID) > maxIDLen {
		return nil, ErrBadRequest
	}
	f, err := s.store.FlowByID(ctx, r.FlowID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrNoRequest
	}
	if err != nil {
		return nil, fault(err)
	}
	if f.DoneAt != nil || f.CodeHash != "" {
		return nil, ErrRequestEnded
	}
	if !f.ExpiresAt.After(s.now()) {
		return nil, ErrExpired
	}
	if f.BrowserHash == "" || f.BrowserHash != r.Browser {
		return nil, ErrWrongBrowser
	}
	return f, nil
}

// Load loads the flow r names (see Flow) with its user, device and
// requirements.
func (s *Service) Load(ctx context.Context, r Request) (*Journey, error) {
	f, err := s.Flow(ctx, r)
	if err != nil {
		return nil, err
	}
	return s.JourneyOf(ctx, f, r.IP)
}

// JourneyOf gathers the user, device and requirements of a flow loaded
// by Flow; ip is the client address.
func (s *Service) JourneyOf(ctx context.Context, f *store.Flow, ip string) (*Journey, error) {
	j := &Journey{Flow: f, IP: ip}
	u, err := s.flowUser(ctx, f)
	if err != nil {
		return nil, err
	}
	if f.UserID != "" && u == nil {
		// The account went away (disabled or deleted) during the sign-in:
		// the flow ends; it is never handed to another account.
		return nil, ErrAccountGone
	}
	j.User = u
	j.State = State{QuestionEnabled: s.cfg.QuestionEnabled, PasswordDone: f.PasswordAt != nil && u != nil,
		QuestionDone: f.QuestionAt != nil, EnrolledNow: f.EnrolledAt != nil, CodesAcked: f.CodesAckAt != nil,
		OTPDone: f.OTPAt != nil}
	if u == nil {
		return j, nil
	}
	j.State.MustSetup = s.mustSetup(u)
	j.State.OTPLocked = u.OTPLocked
	j.State.ProofPending = u.ProofHash != ""
	j.State.ProofDone = f.ProofAt != nil
	j.State.ResetDone = f.ResetAt != nil
	d, err := s.store.DeviceByUser(ctx, u.ID)
	switch {
	case errors.Is(err, store.ErrNotFound):
	case err != nil:
		return nil, fault(err)
	default:
		j.Device = d
		j.State.HasDevice = true
	}
	if hold := u.EnrollHoldBrowser; hold != "" && !j.State.HasDevice {
		// Possession was proven after a reset in one browser: that browser
		// enrols the new device; every other sign-in waits for a proof.
		// Until then the account's setup (a new password and answer after
		// an administrator's reset) is that browser's too: any other
		// browser waits at the proof step, however much it knows.
		if hold == f.BrowserHash {
			j.State.ResetDone = true
		} else {
			j.State.ProofPending, j.State.MustSetup = true, false
		}
	}
	if j.State.MFARequired, err = s.mfaRequired(ctx, f, u); err != nil {
		return nil, err
	}
	if s.cfg.EnrollmentProof != EnrollProofNone && j.State.MFARequired && !j.State.HasDevice &&
		!j.State.ResetDone && !j.State.ProofPending {
		// A first enrollment needs a proof that the password and answer,
		// one factor phished together, do not give.
		j.State.ProofPending = true
	}
	// Every proof step but the one after an administrator's reset guards
	// what is, for the person, setting up a device: say so, and offer the
	// emailed proof where the policy allows it.
	j.FirstEnrollment = j.State.ProofPending && !u.ProofRenews
	return j, nil
}

// mustSetup: the account must set a new password (and question) first.
func (s *Service) mustSetup(u *store.User) bool {
	return u.MustChangePassword || (s.cfg.QuestionEnabled && u.AnswerHash == "")
}

// mfaRequired: the global policy, an admin's setting on the user or the
// client, or the request's acr_values demand a second factor.
func (s *Service) mfaRequired(ctx context.Context, f *store.Flow, u *store.User) (bool, error) {
	if s.cfg.MFAPolicy == MFAAlways || u.RequireMFA || WantsMFA(f.ACRValues) {
		return true, nil
	}
	c, err := s.store.ClientByID(ctx, f.ClientID)
	if err != nil {
		return false, fault(err)
	}
	return c.RequireMFA, nil
}

// flowUser loads the user a flow has identified, if any; a disabled or
// deleted account is none.
func (s *Service) flowUser(ctx context.Context, f *store.Flow) (*store.User, error) {
	if f.UserID == "" {
		return nil, nil
	}
	u, err := s.store.UserByID(ctx, f.UserID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fault(err)
	}
	if u.Disabled {
		return nil, nil
	}
	return u, nil
}

// markFlow records, in one conditional write, that step passed in j's
// flow: the flow must still be unfinished and on j's account.
func (s *Service) markFlow(ctx context.Context, j *Journey, step store.FlowStep) error {
	if err := s.store.MarkFlow(ctx, j.Flow.ID, j.User.ID, step, s.now()); err != nil {
		return flowWriteError(err)
	}
	return nil
}

// flowWriteError maps a failed flow write: a flow that changed or went
// away is a conflict; anything else is a storage fault.
func flowWriteError(err error) error {
	if errors.Is(err, store.ErrStale) || errors.Is(err, store.ErrNotFound) {
		return errors.Join(ErrConflict, err)
	}
	return fault(err)
}

// ClientName is the name a flow's client is shown by ("" when unknown).
func (s *Service) ClientName(ctx context.Context, clientID string) string {
	c, err := s.store.ClientByID(ctx, clientID)
	if err != nil {
		return ""
	}
	if c.Name != "" {
		return c.Name
	}
	return c.ID
}

// CheckBrowser checks that flow id exists and is bound to browser,
// whatever its state (the library's callback of a finished flow), and
// that the account it identified is still enabled: an account disabled
// after its last step gets no code.
func (s *Service) CheckBrowser(ctx context.Context, id, browser string) error {
	if id == "" || len(id) > maxIDLen {
		return ErrBadRequest
	}
	f, err := s.store.FlowByID(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return ErrNoRequest
	}
	if err != nil {
		return fault(err)
	}
	if f.BrowserHash == "" || f.BrowserHash != browser {
		return ErrWrongBrowser
	}
	if f.UserID == "" {
		return nil
	}
	u, err := s.flowUser(ctx, f)
	if err != nil {
		return err
	}
	if u == nil {
		return ErrAccountGone
	}
	return nil
}
