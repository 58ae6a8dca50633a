package signin

import (
	"context"
	"errors"
	"fmt"

	"github.com/otpgate/otpgate/mfa"
	"github.com/otpgate/otpgate/provider/connector"
	"github.com/otpgate/otpgate/provider/credential"
	"github.com/otpgate/otpgate/provider/store"
	"github.com/otpgate/otpgate/templates"
)

// The person's own account page (/account) changes what the sign-in
// checks, so its rules are the sign-in's, shared rather than copied: a
// passcode that proves a change is the sign-in's passcode (accepted once,
// whichever page sees it first, and counted toward the same lockout); the
// current password is checked against the same budgets as the password
// page's; a new password meets the same policy as the first sign-in's
// setup; a new device is made and verified like an enrollment. Every
// change is audited with the actor "self" and mailed to the person.
//
// Signing in to the page is not proof enough for a change: whoever holds
// a browser's session (a borrowed laptop) must also show the second
// factor, or the current password and the second factor for a password
// or question change.

// Self is the person on their account page.
type Self struct {
	User *store.User
	// SessionID is this browser's session: it stays when the others end.
	SessionID string
	// DeviceCookie is the hash of this browser's device cookie ("" when
	// none): a known browser's password checks spend its own budget.
	DeviceCookie string
	IP           string
}

// SelfStore is what the account page's rules read and write besides
// Store.
type SelfStore interface {
	CheckAccountPasscode(ctx context.Context, c store.AccountPasscodeCheck) (store.PasscodeOutcome, error)
	ReserveAccountOTPAttempt(ctx context.Context, userID string, threshold int) (int, bool, error)
	ReplaceDevice(ctx context.Context, r store.Replacement) error
	CountRecoveryCodes(ctx context.Context, userID string) (int64, error)
	SessionsOfUser(ctx context.Context, userID string) ([]store.Session, error)
	DeleteUserSession(ctx context.Context, userID, id string) error
	EndOtherSessions(ctx context.Context, userID, keep string) (int64, error)
	AuditEvents(ctx context.Context, q store.AuditQuery) ([]store.AuditEvent, error)
	RememberedBrowsers(ctx context.Context, userID string) ([]store.RememberedBrowser, error)
	RevokeRememberedBrowser(ctx context.Context, userID, id string) error
	RevokeRememberedBrowsers(ctx context.Context, userID string) (int64, error)
	LinksOf(ctx context.Context, userID string) ([]store.UserLink, error)
}

var _ SelfStore = (*store.Store)(nil)

// AccountClientID is the account page's built-in client, named in the
// audit events of its changes.
const AccountClientID = "otpgate-account"

// SelfResult is the answer to a change on the account page.
type SelfResult struct {
	Result
	// Codes are new recovery codes, shown once.
	Codes []string
	// Offer is a new device's key, and OfferToken the sealed offer the
	// page sends back with the new app's first code.
	Offer      Offer
	OfferToken string
}

// Overview is what the account page shows.
type Overview struct {
	Device    *store.Device // nil: no device
	CodesLeft int64
	Sessions  []store.Session
	// SignIns are the recent sign-in events (successes, failures, locks),
	// newest first.
	SignIns []store.AuditEvent
	// Browsers are the browsers that skip the passcode ("remember this
	// browser"), most recently used first.
	Browsers []store.RememberedBrowser
}

// signInEvents are the audit events the account page lists as sign-ins.
var signInEvents = []string{store.EventSignIn, store.EventSignInFailed, store.EventLoginLocked, store.EventOTPLocked}

// recentSignIns is how many sign-in events the page lists.
const recentSignIns = 20

// AccountOverview reads the account page.
func (s *Service) AccountOverview(ctx context.Context, me Self) (Overview, error) {
	var o Overview
	d, err := s.store.DeviceByUser(ctx, me.User.ID)
	switch {
	case err == nil:
		o.Device = d
	case !errors.Is(err, store.ErrNotFound):
		return o, fault(err)
	}
	self := s.selfStore()
	if o.CodesLeft, err = self.CountRecoveryCodes(ctx, me.User.ID); err != nil {
		return o, fault(err)
	}
	if o.Sessions, err = self.SessionsOfUser(ctx, me.User.ID); err != nil {
		return o, fault(err)
	}
	events, err := self.AuditEvents(ctx, store.AuditQuery{UserID: me.User.ID, Events: signInEvents, Limit: recentSignIns, Newest: true})
	if err != nil {
		return o, fault(err)
	}
	for i := len(events) - 1; i >= 0; i-- {
		o.SignIns = append(o.SignIns, events[i])
	}
	if o.Browsers, err = self.RememberedBrowsers(ctx, me.User.ID); err != nil {
		return o, fault(err)
	}
	return o, nil
}

// selfStore is the store's SelfStore (every real store is one).
func (s *Service) selfStore() SelfStore { return s.store.(SelfStore) }

// recordSelf records a change the person made on their account page.
func (s *Service) recordSelf(ctx context.Context, me Self, name, detail string) {
	s.log.InfoContext(ctx, "account changed by its owner", "event", name, "user_id", me.User.ID)
	s.events.Record(ctx, Event{Name: name, User: me.User, IP: me.IP, ClientID: AccountClientID, Actor: ActorSelf, Detail: detail})
}

// ActorSelf is the audit actor of the person's own changes.
const ActorSelf = "self"

// selfPasscode checks a passcode of me's device as the proof of change,
// written in the same transaction when the code is accepted. ok is false
// when the result (a refusal) is the answer.
func (s *Service) selfPasscode(ctx context.Context, me Self, input, what string, change store.AccountChange) (Result, *store.Device, bool, error) {
	u := me.User
	d, err := s.store.DeviceByUser(ctx, u.ID)
	if errors.Is(err, store.ErrNotFound) {
		return Result{Outcome: Forbidden}, nil, false, nil
	}
	if err != nil {
		return Result{}, nil, false, fault(err)
	}
	if input == "" {
		return invalid(templates.MsgFieldRequired), d, false, nil
	}
	if _, err := s.cfg.TOTP.Normalize(input); err != nil {
		return invalid(templates.MsgCodeMalformed), d, false, nil
	}
	secret, err := s.sealer.Open(d.Secret, DeviceAD(u.ID, d.ID))
	if err != nil {
		s.log.ErrorContext(ctx, "TOTP secret cannot be decrypted", "user_id", u.ID, "device_id", d.ID, "err", err)
		return Result{}, nil, false, internal(err)
	}
	out, err := s.selfStore().CheckAccountPasscode(ctx, store.AccountPasscodeCheck{UserID: u.ID, Threshold: s.cfg.OTPAttempts,
		Verify: func(ctx context.Context, steps mfa.Store) error {
			v := mfa.Verifier{TOTP: s.cfg.TOTP, Now: s.now, Store: steps}
			return v.Verify(ctx, mfa.Device{ID: d.ID, Secret: secret, LastStep: d.LastStep}, input)
		}, Change: change})
	switch {
	case errors.Is(err, store.ErrStale):
		// The password changed meanwhile: nothing was written.
		return moved(), d, false, nil
	case err != nil:
		return Result{}, nil, false, fault(err)
	case out.Refused:
		r, err := s.selfExhausted(ctx, me, what+"; passcode not checked")
		return r, d, false, err
	case out.Rejected != nil:
		detail := "wrong passcode"
		if errors.Is(out.Rejected, mfa.ErrReplayed) {
			detail = "passcode already used"
		}
		r, err := s.selfSecondFactorRejected(ctx, me, out.Failures, out.Exhausted, what+"; "+detail, templates.MsgCodeInvalid)
		return r, d, false, err
	}
	return passed(), d, true, nil
}

// selfExhausted answers a second-factor check the account page may no
// longer make: the account is locked (by sign-ins), or this page used up
// its attempts, which ends this browser's session (a new one needs a
// passcode), never the account.
func (s *Service) selfExhausted(ctx context.Context, me Self, detail string) (Result, error) {
	if me.User.OTPLocked {
		return Result{Outcome: Forbidden, Problem: templates.MsgAccountLocked}, nil
	}
	if err := s.selfStore().DeleteUserSession(ctx, me.User.ID, me.SessionID); err != nil && !errors.Is(err, store.ErrNotFound) {
		return Result{}, fault(err)
	}
	s.events.Record(ctx, Event{Name: store.EventSelfSessions, User: me.User, IP: me.IP, ClientID: AccountClientID, Actor: ActorSelf,
		Detail: "account page: " + detail + "; too many wrong second-factor attempts, this browser's session ended"})
	return Result{Outcome: Forbidden, Problem: templates.MsgAccountSignInAgain}, nil
}

// selfSecondFactorRejected records a wrong second factor on the account
// page, as a failed sign-in check would be; the one that used up the
// page's attempts (exhausted) ends this browser's session.
func (s *Service) selfSecondFactorRejected(ctx context.Context, me Self, failures int, exhausted bool, detail string, problem templates.Message) (Result, error) {
	u := me.User
	s.log.InfoContext(ctx, "account page: second factor refused", "user_id", u.ID)
	s.events.Record(ctx, Event{Name: store.EventSignInFailed, User: u, IP: me.IP, ClientID: AccountClientID, Actor: ActorSelf,
		Step: StepOTP, Detail: fmt.Sprintf("account page: %s (%d in a row)", detail, failures)})
	if exhausted {
		return s.selfExhausted(ctx, me, detail)
	}
	r := rejected(problem)
	r.TriesLeft = store.AccountAttemptLimit(s.cfg.OTPAttempts) - failures
	return r, nil
}

// RegenerateRecoveryCodes makes ten new recovery codes, proven with a
// passcode; the old ones die in the passcode's transaction.
func (s *Service) RegenerateRecoveryCodes(ctx context.Context, me Self, passcode string) (SelfResult, error) {
	codes, hashes, err := s.newRecoveryCodes()
	if err != nil {
		return SelfResult{}, err
	}
	r, _, ok, err := s.selfPasscode(ctx, me, passcode, "new recovery codes", store.RecoveryCodesChange{Hashes: hashes})
	if !ok || err != nil {
		return SelfResult{Result: r}, err
	}
	s.recordSelf(ctx, me, store.EventSelfCodes, "10 new recovery codes; the old ones no longer work")
	return SelfResult{Result: passed(), Codes: codes}, nil
}

// newRecoveryCodes are ten recovery codes and their hashes.
func (s *Service) newRecoveryCodes() ([]string, []string, error) {
	codes, err := mfa.NewRecoveryCodes(s.rand, mfa.RecoveryCodeCount)
	if err != nil {
		return nil, nil, internal(err)
	}
	hashes := make([]string, len(codes))
	for i, rc := range codes {
		hashes[i] = s.hasher.Hash(mfa.NormalizeRecoveryCode(rc))
	}
	return codes, hashes, nil
}

// checkCurrentPassword checks the person's current password on the
// account page against the sign-in's budgets: a known browser's own, else
// the account's (with the bound of unknown browsers), so a stolen session
// gives no unbounded guessing. ok is false when r is the answer.
func (s *Service) checkCurrentPassword(ctx context.Context, me Self, src PasswordSource, password string) (Result, bool, error) {
	u := me.User
	if password == "" {
		return invalid(templates.MsgFieldRequired), false, nil
	}
	if len(password) > maxPasswordLen {
		return rejected(templates.MsgCurrentPasswordWrong), false, nil
	}
	p := store.LoginPolicy{Lockout: s.cfg.LoginLockout, Decay: s.cfg.LoginLockDecay, Bound: s.cfg.UnknownBrowserLimit}
	budget, known := store.AccountBudget(u.ID), false
	if me.DeviceCookie != "" {
		var err error
		if known, err = s.store.IsKnownBrowser(ctx, u.ID, me.DeviceCookie, s.cfg.KnownBrowserLifetime); err != nil {
			return Result{}, false, fault(err)
		}
	}
	if known {
		budget, p.Bound = store.BrowserBudget(u.ID, me.DeviceCookie), 0
	}
	att, ok, err := s.store.Reserve(ctx, budget, p)
	if err != nil {
		return Result{}, false, fault(err)
	}
	if !ok {
		r := Result{Outcome: Limited, Problem: templates.MsgTooManyAttempts, RetryMinutes: retryMinutes(att, s.now())}
		if r.RetryMinutes == 1 {
			r.Problem = templates.MsgTooManyAttemptsMinute
		}
		return r, false, nil
	}
	wrong := templates.MsgCurrentPasswordWrong
	var good bool
	if src.Directory {
		var policy *connector.PolicyError
		good, policy, err = s.checkDirectoryPassword(ctx, u, src, password)
		if err != nil || (policy != nil && policy.PasswordRight) {
			// Nothing was decided, or the password was right but the
			// directory's policy refused it: the attempt is given back.
			if rerr := s.store.Release(ctx, budget); rerr != nil {
				return Result{}, false, fault(rerr)
			}
			if err != nil {
				s.log.ErrorContext(ctx, "directory unavailable", "connector", s.directory.ID(), "err", err)
				return Result{}, false, fmt.Errorf("%w: %w", ErrUnavailable, err)
			}
			return rejected(directoryPolicyMessage(policy)), false, nil
		}
		if policy != nil {
			wrong = directoryPolicyMessage(policy)
		}
	} else {
		good, _, err = s.hasher.VerifyPassword(ctx, password, u.PasswordHash)
		if errors.Is(err, credential.ErrBusy) {
			if err := s.store.Release(ctx, budget); err != nil {
				return Result{}, false, fault(err)
			}
			return Result{}, false, ErrBusy
		}
	}
	if !good {
		counters, err := s.store.Confirm(ctx, budget, s.cfg.LoginLockout, att)
		if err != nil {
			return Result{}, false, fault(err)
		}
		s.events.Record(ctx, Event{Name: store.EventSignInFailed, User: u, IP: me.IP, ClientID: AccountClientID, Actor: ActorSelf,
			Step: StepPassword, Detail: fmt.Sprintf("account page: wrong current password (%d in a row)", counters.Failures)})
		return rejected(wrong), false, nil
	}
	if err := s.store.Release(ctx, budget); err != nil {
		return Result{}, false, fault(err)
	}
	return passed(), true, nil
}

// PasswordChangeInput is the account page's password form.
type PasswordChangeInput struct {
	Current, Passcode               string
	NewPassword, NewPasswordConfirm string
}

// ChangePassword sets a new password, proven with the current one and,
// when the person has a device, a passcode. The new password meets the
// setup's policy. The person's other sessions end and every token is
// revoked; this browser's session stays.
func (s *Service) ChangePassword(ctx context.Context, me Self, in PasswordChangeInput) (SelfResult, error) {
	u := me.User
	src, err := s.PasswordSourceOf(ctx, u)
	if err != nil {
		return SelfResult{}, err
	}
	if !src.Ours {
		return SelfResult{Result: elsewhere()}, nil
	}
	if m := s.checkNewPassword(SetupInput{NewPassword: in.NewPassword, NewPasswordConfirm: in.NewPasswordConfirm}, u); m != "" {
		return SelfResult{Result: invalid(m)}, nil
	}
	if r, err := s.needDevice(ctx, me); r.Outcome != Passed || err != nil {
		return SelfResult{Result: r}, err
	}
	r, ok, err := s.checkCurrentPassword(ctx, me, src, in.Current)
	if !ok || err != nil {
		return SelfResult{Result: r}, err
	}
	if same, _, _ := s.hasher.VerifyPassword(credential.Prioritize(ctx), in.NewPassword, u.PasswordHash); same {
		return SelfResult{Result: invalid(templates.MsgPasswordReused)}, nil
	}
	change := store.PasswordChange{OldHash: u.PasswordHash, NewHash: s.hasher.Hash(credential.NormalizePassword(in.NewPassword)),
		KeepSession: me.SessionID}
	if r, err := s.applySelf(ctx, me, in.Passcode, "password change", change); r.Outcome != Passed || err != nil {
		return SelfResult{Result: r}, err
	}
	s.recordSelf(ctx, me, store.EventSelfPassword, "password changed; other sessions ended and tokens revoked")
	return SelfResult{Result: passed()}, nil
}

// applySelf writes change, proven with a passcode of the person's device
// (the current password was checked before).
func (s *Service) applySelf(ctx context.Context, me Self, passcode, what string, change store.AccountChange) (Result, error) {
	r, _, ok, err := s.selfPasscode(ctx, me, passcode, what, change)
	if err != nil || ok {
		return r, err
	}
	if r.Outcome == Forbidden && r.Problem == "" {
		// The device went meanwhile.
		r.Problem = templates.MsgAccountNeedsDevice
	}
	return r, nil
}

// needDevice refuses a password or security question change of an account
// without a device: the password and the answer are one factor, and
// whoever phished both must not replace them and keep the owner out. An
// administrator changes them (user set-password, a device reset).
func (s *Service) needDevice(ctx context.Context, me Self) (Result, error) {
	_, err := s.store.DeviceByUser(ctx, me.User.ID)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return Result{Outcome: Forbidden, Problem: templates.MsgAccountNeedsDevice}, nil
	case err != nil:
		return Result{}, fault(err)
	}
	return passed(), nil
}

// QuestionChangeInput is the account page's security question form.
type QuestionChangeInput struct {
	Current, Passcode               string
	Question, Answer, AnswerConfirm string
}

// ChangeQuestion sets a new security question and answer, proven with
// the current password and, when the person has a device, a passcode.
func (s *Service) ChangeQuestion(ctx context.Context, me Self, in QuestionChangeInput) (SelfResult, error) {
	if !s.cfg.QuestionEnabled {
		return SelfResult{Result: Result{Outcome: Forbidden}}, nil
	}
	src, err := s.PasswordSourceOf(ctx, me.User)
	if err != nil {
		return SelfResult{}, err
	}
	if !src.Question {
		return SelfResult{Result: Result{Outcome: Forbidden, Problem: templates.MsgAccountNoQuestion}}, nil
	}
	answer, m := newAnswer(in.Question, in.Answer, in.AnswerConfirm)
	if m != "" {
		return SelfResult{Result: invalid(m)}, nil
	}
	if r, err := s.needDevice(ctx, me); r.Outcome != Passed || err != nil {
		return SelfResult{Result: r}, err
	}
	r, ok, err := s.checkCurrentPassword(ctx, me, src, in.Current)
	if !ok || err != nil {
		return SelfResult{Result: r}, err
	}
	change := store.QuestionChange{Question: in.Question, AnswerHash: s.hasher.Hash(answer)}
	if r, err := s.applySelf(ctx, me, in.Passcode, "security question change", change); r.Outcome != Passed || err != nil {
		return SelfResult{Result: r}, err
	}
	s.recordSelf(ctx, me, store.EventSelfQuestion, "security question and answer changed")
	return SelfResult{Result: passed()}, nil
}

// EndOwnSession ends one of the person's own sessions; another person's (or
// an ended one) is store.ErrNotFound.
func (s *Service) EndOwnSession(ctx context.Context, me Self, id string) error {
	if err := s.selfStore().DeleteUserSession(ctx, me.User.ID, id); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return err
		}
		return fault(err)
	}
	detail := "a session ended"
	if id == me.SessionID {
		detail = "this browser's session ended"
	}
	s.recordSelf(ctx, me, store.EventSelfSessions, detail)
	return nil
}

// EndOtherSessions ends every session of the person but this browser's.
func (s *Service) EndOtherSessions(ctx context.Context, me Self) (int64, error) {
	n, err := s.selfStore().EndOtherSessions(ctx, me.User.ID, me.SessionID)
	if err != nil {
		return 0, fault(err)
	}
	s.recordSelf(ctx, me, store.EventSelfSessions, fmt.Sprintf("%d other sessions ended", n))
	return n, nil
}

// ForgetBrowser revokes one of the person's remembered browsers: its next
// sign-in asks for the passcode. Another person's (or a forgotten one) is
// store.ErrNotFound.
func (s *Service) ForgetBrowser(ctx context.Context, me Self, id string) error {
	if err := s.selfStore().RevokeRememberedBrowser(ctx, me.User.ID, id); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return err
		}
		return fault(err)
	}
	s.recordSelf(ctx, me, store.EventSelfBrowsers, "a remembered browser forgotten")
	return nil
}

// ForgetBrowsers revokes every remembered browser of the person.
func (s *Service) ForgetBrowsers(ctx context.Context, me Self) (int64, error) {
	n, err := s.selfStore().RevokeRememberedBrowsers(ctx, me.User.ID)
	if err != nil {
		return 0, fault(err)
	}
	s.recordSelf(ctx, me, store.EventSelfBrowsers, fmt.Sprintf("%d remembered browsers forgotten", n))
	return n, nil
}
