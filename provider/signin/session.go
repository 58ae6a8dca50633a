package signin

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/zitadel/oidc/v3/pkg/oidc"

	"github.com/otpgate/otpgate/provider/credential"
	"github.com/otpgate/otpgate/provider/store"
)

// Finished is what a finished sign-in hands back: the new browser
// session's cookie value and, when the service issues codes itself
// (Config.CodeLifetime), the authorization code for the relying party.
type Finished struct {
	Session string
	Code    string
}

// Finish marks j's flow done once every required step passed and starts a
// new browser session (a fresh value, so a planted cookie is never
// promoted); the replaced session, if any, ends. The same write moves the
// browser to j.NewBinding and, with Config.CodeLifetime, records the
// authorization code Finished carries; otherwise the OIDC library's
// callback issues the code. When the passcode step already finished the
// flow in its own write (see Passcode), only the rest is done here.
func (s *Service) Finish(ctx context.Context, j *Journey, oldSession string) (Finished, error) {
	p := j.finished
	if p == nil {
		if j.Next() != StepDone {
			return Finished{}, ErrConflict
		}
		var err error
		if p, err = s.prepareFinish(j); err != nil {
			return Finished{}, err
		}
		// The store checks that the flow records every method claimed.
		if err := s.store.FinishFlow(ctx, j.Flow.ID, p.result, p.needOTP, p.result.AuthTime); err != nil {
			return Finished{}, flowWriteError(err)
		}
	}
	j.finished = nil
	return s.completeFinish(ctx, j, p, oldSession)
}

// pendingFinish is a finish prepared for j's flow: the result to record,
// and the code it issues.
type pendingFinish struct {
	result  store.FlowResult
	needOTP bool
	code    string
}

// prepareFinish decides what j's finish records; ErrUnmetACR when the
// relying party's essential acr cannot be met.
func (s *Service) prepareFinish(j *Journey) (*pendingFinish, error) {
	now := s.now()
	otp := j.State.OTPDone || j.State.EnrolledNow
	amr, acr := amrACR(j.State.QuestionDone, otp)
	var upstream []string
	remembered := ""
	switch {
	case j.State.Remembered && !otp && !j.State.FactorOnly && !upstreamFlow(j.Flow):
		// No passcode: the remembered browser stood in for it, and the
		// tokens say so.
		amr, acr = rememberedAMRACR(j.State.QuestionDone)
		remembered = j.remembered
	case j.State.FactorOnly:
		amr, acr = factorOnlyAMRACR(j.Flow)
	case upstreamFlow(j.Flow):
		upstream = append([]string{}, j.Flow.UpstreamAMR...)
		amr, acr = upstreamAMRACR(upstream, otp, j.State.UpstreamMFA)
	}
	if !essentialMet(j.Flow, acr) {
		return nil, ErrUnmetACR
	}
	p := &pendingFinish{needOTP: (j.State.MFARequired || j.State.HasDevice) && !j.State.UpstreamMFA,
		result: store.FlowResult{UserID: j.User.ID, AMR: amr, ACR: acr, IDP: j.Flow.Connector, UpstreamAMR: upstream,
			AuthTime: now, Rebind: j.rebinding(), RememberedBrowser: remembered}}
	if s.cfg.CodeLifetime > 0 {
		p.code = credential.NewToken()
		p.result.CodeHash, p.result.CodeExpiresAt = credential.HashToken(p.code), now.Add(s.cfg.CodeLifetime)
	}
	return p, nil
}

// completeFinish does what follows the write that finished j's flow: the
// enrollment hold follows the browser, the new session starts, the
// browser is remembered and the sign-in recorded.
func (s *Service) completeFinish(ctx context.Context, j *Journey, p *pendingFinish, oldSession string) (Finished, error) {
	u, r := j.User, p.result
	if err := s.rebound(ctx, j, u, r.Rebind); err != nil {
		return Finished{}, err
	}
	if oldSession != "" && !j.State.FactorOnly {
		if err := s.store.DeleteSession(ctx, credential.HashToken(oldSession)); err != nil {
			s.log.WarnContext(ctx, "could not delete replaced session", "err", err)
		}
	}
	out := Finished{Code: p.code}
	now := r.AuthTime
	// The flow as finished, for the answer built from it (an Entra form post).
	j.Flow.AMR, j.Flow.ACR, j.Flow.AuthTime = r.AMR, r.ACR, &now
	if !j.State.FactorOnly {
		// A second factor alone never starts a single sign-on session:
		// a later full sign-in would otherwise skip a password nobody
		// checked here.
		out.Session = credential.NewToken()
		sess := &store.Session{ID: credential.HashToken(out.Session), UserID: u.ID, AMR: r.AMR, ACR: r.ACR, IDP: r.IDP, AuthTime: now,
			CreatedAt: now, ExpiresAt: s.sessionEnd(now, now)}
		if err := s.store.CreateSession(ctx, sess); err != nil {
			return Finished{}, fault(err)
		}
	}
	s.rememberBrowser(ctx, j)
	s.rememberLang(ctx, j)
	s.log.InfoContext(ctx, "sign-in complete", "user_id", u.ID, "client_id", j.Flow.ClientID, "amr", r.AMR)
	s.record(ctx, j, Event{Name: store.EventSignIn, User: u, Detail: "amr " + strings.Join(r.AMR, " ")})
	return out, nil
}

// UseSession finishes flow f from the browser's single sign-on session
// (its cookie value) when the request allows it: no prompt=login, max_age
// not exceeded, the same user as an id_token_hint, and a session as strong
// as this flow requires (a second factor when the user has a device or
// the request needs one). A session a remembered browser started (no
// passcode in it) stands in only where that browser would skip the
// passcode itself: remembered is the hash of the browser's
// remembered-browser cookie ("" when it has none), and it must still be
// usable for the account, on a flow and client that allow it. It reports
// whether it did.
func (s *Service) UseSession(ctx context.Context, f *store.Flow, session, remembered string) (bool, error) {
	if session == "" || slices.Contains(f.Prompt, oidc.PromptLogin) {
		return false, nil
	}
	sess, err := s.store.SessionByID(ctx, credential.HashToken(session))
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, fault(err)
	}
	ok, viaRemembered, err := s.sessionSuffices(ctx, f, sess, remembered)
	if err != nil || !ok || !essentialMet(f, sess.ACR) {
		return false, err
	}
	r := store.FlowResult{UserID: sess.UserID, AMR: sess.AMR, ACR: sess.ACR, IDP: sess.IDP, AuthTime: sess.AuthTime}
	if viaRemembered {
		r.RememberedBrowser = remembered
	}
	now := s.now()
	if err := s.store.FinishFlowFromSession(ctx, f.ID, r, now); err != nil {
		return false, flowWriteError(err)
	}
	if s.cfg.SessionIdle > 0 {
		// A use restarts the idle time (never past the absolute end).
		if err := s.store.ExtendSession(ctx, sess.ID, s.sessionEnd(sess.CreatedAt, now)); err != nil {
			s.log.WarnContext(ctx, "could not extend the session", "err", err)
		}
	}
	return true, nil
}

// sessionEnd is when a session created at created and last used at used
// ends: SessionIdle after the use, but never later than SessionLifetime
// after its creation.
func (s *Service) sessionEnd(created, used time.Time) time.Time {
	end := created.Add(s.cfg.SessionLifetime)
	if s.cfg.SessionIdle > 0 && used.Add(s.cfg.SessionIdle).Before(end) {
		return used.Add(s.cfg.SessionIdle)
	}
	return end
}

// sessionSuffices judges sess for f as if its user had just passed the
// first factor in f. viaRemembered: sess has no passcode, and the
// browser's remembered-browser cookie (remembered) stands in for it, as
// it would in a sign-in of f.
func (s *Service) sessionSuffices(ctx context.Context, f *store.Flow, sess *store.Session, remembered string) (ok, viaRemembered bool, err error) {
	now := s.now()
	if f.MaxAge != nil && now.Sub(sess.AuthTime) > time.Duration(*f.MaxAge)*time.Second {
		return false, false, nil
	}
	if f.IDTokenHintSubject != "" && f.IDTokenHintSubject != sess.UserID {
		return false, false, nil
	}
	if s.cfg.QuestionEnabled && !slices.Contains(sess.AMR, "kba") {
		return false, false, nil
	}
	probe := *f
	probe.UserID, probe.PasswordAt, probe.QuestionAt = sess.UserID, &now, &now
	j, err := s.JourneyOf(ctx, &probe, "")
	if errors.Is(err, ErrAccountGone) {
		return false, false, nil // the session's account is disabled or gone
	}
	if err != nil {
		return false, false, err
	}
	if j.State.MustSetup || j.State.OTPLocked || j.State.ProofPending {
		return false, false, nil
	}
	if (j.State.MFARequired || j.State.HasDevice) && !slices.Contains(sess.AMR, "otp") {
		// Only a session a remembered browser started, in that browser,
		// where a sign-in of f would skip the passcode for it.
		if sess.ACR != ACRRememberedBrowser || remembered == "" || slices.Contains(sess.AMR, "mfa") {
			return false, false, nil
		}
		if err := s.useRemembered(ctx, j, remembered); err != nil || !j.State.Remembered {
			return false, false, err
		}
		return true, true, nil
	}
	return true, false, nil
}

// EndSession ends the browser session whose cookie value is session
// (logout); an unknown one is already ended.
func (s *Service) EndSession(ctx context.Context, session string) error {
	if session == "" {
		return nil
	}
	if err := s.store.DeleteSession(ctx, credential.HashToken(session)); err != nil {
		return fault(err)
	}
	return nil
}

// essentialMet reports whether acr is one of the essential values f's
// request asked for (always, when it asked for none).
func essentialMet(f *store.Flow, acr string) bool {
	return f.EssentialACR == "" || slices.Contains(strings.Fields(f.EssentialACR), acr)
}

// rememberLang records the language of this sign-in as the account's, for
// the mails that come later; a sign-in in the language of the last costs
// no write.
func (s *Service) rememberLang(ctx context.Context, j *Journey) {
	if j.Lang == "" || j.User.Lang == j.Lang {
		return
	}
	if err := s.store.SetUserLang(ctx, j.User.ID, j.Lang); err != nil {
		s.log.WarnContext(ctx, "could not record the account's language", "user_id", j.User.ID, "err", err)
		return
	}
	j.User.Lang = j.Lang
}
