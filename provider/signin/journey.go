package signin

import (
	"context"
	"errors"
	"strings"

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
	// Remembered is the hash of the browser's remembered-browser cookie
	// ("" if none).
	Remembered string
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
	// Lang is the language of the pages this sign-in is shown in ("" if
	// unknown): mails it sends are written in it, and a finish records it
	// as the account's language for the mails that come later.
	Lang string
	// NewBinding is the binding hash the browser moves to when this
	// request passes a privilege change (the password, the finish): the
	// write that records the step moves the browser's unfinished flows to
	// it, and the caller then gives the browser the new cookie. "" keeps
	// the binding.
	NewBinding string
	// named is the account the name namedFor names (nil: none), when it
	// was read with the journey (LoadNaming).
	named    *store.User
	namedFor string
	// finished is the finish the passcode step wrote with the passcode
	// (Finish then completes it).
	finished *pendingFinish
	// remembered is the hash of the remembered browser's cookie when one
	// stands in for the passcode (State.Remembered).
	remembered string
	// via is the connector checking this request's first factor, before
	// the flow records it (audit events name it).
	via string
}

// Next is the step the journey is at.
func (j *Journey) Next() Step { return Next(j.State) }

// rebinding is the move of j's browser to j.NewBinding (none when there
// is no new binding, or the flow has no binding to move from).
func (j *Journey) rebinding() store.Rebinding {
	old := j.Flow.BrowserHash
	if j.NewBinding == "" || old == "" || old == j.NewBinding {
		return store.Rebinding{}
	}
	return store.Rebinding{Old: old, New: j.NewBinding}
}

// rebound records in j that the write for rb moved its browser, with the
// enrollment hold of u when this browser holds it (only u's: a browser
// that holds another account's enrollment loses the hold, and that
// account asks for its proof again).
func (s *Service) rebound(ctx context.Context, j *Journey, u *store.User, rb store.Rebinding) error {
	if rb.New == "" {
		return nil
	}
	j.Flow.BrowserHash = rb.New
	if u == nil || u.EnrollHoldBrowser != rb.Old {
		return nil
	}
	if err := s.store.MoveEnrollmentHold(ctx, u.ID, rb.Old, rb.New); err != nil {
		return fault(err)
	}
	u.EnrollHoldBrowser = rb.New
	return nil
}

// Load loads the flow r names with its user and device (one read),
// checks that it is alive and belongs to r's browser, and gathers its
// requirements.
func (s *Service) Load(ctx context.Context, r Request) (*Journey, error) {
	f, u, d, err := s.rows(ctx, r.FlowID)
	if err != nil {
		return nil, err
	}
	if err := s.checkFlow(f, r.Browser); err != nil {
		return nil, err
	}
	return s.journey(ctx, f, u, d, r)
}

// LoadNaming is Load for the password step's post: the account username
// names is read in the same statement (Password then reads nothing more).
func (s *Service) LoadNaming(ctx context.Context, r Request, username string) (*Journey, error) {
	name := strings.TrimSpace(username)
	if name == "" || len(name) > maxUsernameLen {
		return s.Load(ctx, r)
	}
	if r.FlowID == "" || len(r.FlowID) > maxIDLen {
		return nil, ErrBadRequest
	}
	f, u, d, named, err := s.store.JourneyRowsNaming(ctx, r.FlowID, name)
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrNoRequest
	}
	if err != nil {
		return nil, fault(err)
	}
	if err := s.checkFlow(f, r.Browser); err != nil {
		return nil, err
	}
	j, err := s.journey(ctx, f, u, d, r)
	if err != nil {
		return nil, err
	}
	j.named, j.namedFor = named, name
	return j, nil
}

// userNamed is the account username names: the one read with the journey
// when it was (LoadNaming), else read now.
func (s *Service) userNamed(ctx context.Context, j *Journey, username string) (*store.User, error) {
	if j.namedFor != "" && j.namedFor == username {
		return j.named, nil
	}
	u, err := s.store.UserByUsername(ctx, username)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	return u, err
}

// Arrive is Load for the dispatcher, where /authorize sends a browser
// first: an unbound flow is bound to r's browser on this first visit (a
// flow bound to another browser keeps its binding).
func (s *Service) Arrive(ctx context.Context, r Request) (*Journey, error) {
	f, u, d, err := s.rows(ctx, r.FlowID)
	if err != nil {
		return nil, err
	}
	if f.BrowserHash == "" && r.Browser != "" {
		bound, err := s.store.BindFlow(ctx, f.ID, r.Browser)
		if err != nil {
			return nil, fault(err)
		}
		if !bound {
			// Another request bound it meanwhile: read what it did.
			if f, u, d, err = s.rows(ctx, r.FlowID); err != nil {
				return nil, err
			}
		} else {
			f.BrowserHash = r.Browser
		}
	}
	if err := s.checkFlow(f, r.Browser); err != nil {
		return nil, err
	}
	return s.journey(ctx, f, u, d, r)
}

// rows reads a flow, its user and the user's device.
func (s *Service) rows(ctx context.Context, flowID string) (*store.Flow, *store.User, *store.Device, error) {
	if flowID == "" || len(flowID) > maxIDLen {
		return nil, nil, nil, ErrBadRequest
	}
	f, u, d, err := s.store.JourneyRows(ctx, flowID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil, nil, ErrNoRequest
	}
	if err != nil {
		return nil, nil, nil, fault(err)
	}
	return f, u, d, nil
}

// checkFlow checks that a flow is alive and belongs to browser.
func (s *Service) checkFlow(f *store.Flow, browser string) error {
	if f.DoneAt != nil || f.CodeHash != "" {
		return flowError(ErrRequestEnded, f, browser)
	}
	if !f.ExpiresAt.After(s.now()) {
		return flowError(ErrExpired, f, browser)
	}
	if f.BrowserHash == "" || f.BrowserHash != browser {
		return flowError(ErrWrongBrowser, f, browser)
	}
	return nil
}

// JourneyOf gathers the user, device and requirements of flow f (one
// read); ip is the client address.
func (s *Service) JourneyOf(ctx context.Context, f *store.Flow, ip string) (*Journey, error) {
	var (
		u   *store.User
		d   *store.Device
		err error
	)
	if f.UserID != "" {
		u, d, err = s.store.UserWithDevice(ctx, f.UserID)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return nil, fault(err)
		}
	}
	return s.journey(ctx, f, u, d, Request{IP: ip})
}

// journey decides the state of flow f with its user u and device d as
// read (nil when none), for request r.
func (s *Service) journey(ctx context.Context, f *store.Flow, u *store.User, d *store.Device, r Request) (*Journey, error) {
	j := &Journey{Flow: f, IP: r.IP}
	if u != nil && u.Disabled {
		u, d = nil, nil
	}
	if f.UserID != "" && u == nil {
		// The account went away (disabled or deleted) during the sign-in:
		// the flow ends; it is never handed to another account.
		return nil, ErrAccountGone
	}
	j.User = u
	typed := f.FirstFactor == store.FirstFactorTyped
	if typed && f.PasswordAt == nil && f.UserID == "" {
		j.State = State{FactorOnly: true, AskName: true}
		return j, nil
	}
	j.State = State{FactorOnly: f.FirstFactor != store.FirstFactorOurs,
		QuestionEnabled: s.questionFor(f), PasswordDone: f.PasswordAt != nil && u != nil,
		QuestionDone: f.QuestionAt != nil, EnrolledNow: f.EnrolledAt != nil, CodesAcked: f.CodesAckAt != nil,
		OTPDone: f.OTPAt != nil, UpstreamMFA: upstreamFlow(f) && f.UpstreamMFAAt != nil}
	if u == nil {
		j.State.Decoy = typed
		return j, nil
	}
	j.State.MustSetup = s.mustSetup(u)
	if f.Connector != "" {
		// The connector owns the password: its users only choose a
		// security question here, when they are asked one.
		j.State.MustSetup = j.State.QuestionEnabled && u.AnswerHash == ""
	}
	j.State.OTPLocked = u.OTPLocked
	j.State.ProofPending = u.ProofHash != ""
	j.State.ProofDone = f.ProofAt != nil
	j.State.ResetDone = f.ResetAt != nil
	if d != nil {
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
	if j.State.FactorOnly {
		j.State.MustSetup, j.State.MFARequired = false, true
	} else {
		var err error
		if j.State.MFARequired, err = s.mfaRequired(ctx, f, u); err != nil {
			return nil, err
		}
	}
	if s.enrollmentProof(f) != EnrollProofNone && j.State.MFARequired && !j.State.HasDevice &&
		!j.State.ResetDone && !j.State.ProofPending {
		// A first enrollment needs a proof that the password and answer,
		// one factor phished together, do not give.
		j.State.ProofPending = true
	}
	if typed && (j.State.OTPLocked || !j.State.HasDevice || j.State.ProofPending) {
		// A typed name is no proof: only an account ready for its passcode
		// gets one, and every other state looks the same.
		j.State.Decoy = true
	}
	// Every proof step but the one after an administrator's reset guards
	// what is, for the person, setting up a device: say so, and offer the
	// emailed proof where the policy allows it.
	j.FirstEnrollment = j.State.ProofPending && !u.ProofRenews
	if err := s.useRemembered(ctx, j, r.Remembered); err != nil {
		return nil, err
	}
	return j, nil
}

// questionFor reports whether flow f asks the security question: for
// otpgate's own passwords when it is on, for a directory's only when
// Config.DirectoryQuestion, never after an upstream provider.
func (s *Service) questionFor(f *store.Flow) bool {
	if !s.cfg.QuestionEnabled || f.Connector == "" {
		return s.cfg.QuestionEnabled
	}
	return s.cfg.DirectoryQuestion && s.directory != nil && f.Connector == s.directory.ID()
}

// upstreamFlow reports whether an upstream provider performed flow f's
// first factor (the connector that identified it is the one its browser
// was sent to).
func upstreamFlow(f *store.Flow) bool { return f.Connector != "" && f.Connector == f.UpstreamConnector }

// enrollmentProof is the proof a first enrollment in flow f needs: the
// policy, except that a flow whose user was named without proof of a
// first factor (FirstFactorNamed) never enrols on trust: it needs the
// emailed proof (or an administrator's code) even when the policy is
// none, or whoever knows a username could plant a device.
func (s *Service) enrollmentProof(f *store.Flow) string {
	if f.FirstFactor == store.FirstFactorNamed && s.cfg.EnrollmentProof == EnrollProofNone {
		return EnrollProofEmail
	}
	return s.cfg.EnrollmentProof
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
	return c.DisplayName()
}

// CheckBrowser checks that flow id exists and is bound to browser,
// whatever its state (the library's callback of a finished flow), and
// that the account it identified is still enabled: an account disabled
// after its last step gets no code. It returns the flow it read.
func (s *Service) CheckBrowser(ctx context.Context, id, browser string) (*store.Flow, error) {
	f, u, _, err := s.rows(ctx, id)
	if err != nil {
		return nil, err
	}
	if f.BrowserHash == "" || f.BrowserHash != browser {
		return nil, ErrWrongBrowser
	}
	if f.UserID != "" && (u == nil || u.Disabled) {
		return nil, ErrAccountGone
	}
	return f, nil
}

// speaking is u as the mails of this sign-in address them: in the
// language of its pages, when known.
func (j *Journey) speaking(u *store.User) *store.User {
	if u == nil || j.Lang == "" || u.Lang == j.Lang {
		return u
	}
	c := *u
	c.Lang = j.Lang
	return &c
}
