package login

import (
	"errors"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/zitadel/oidc/v3/pkg/oidc"

	"github.com/otpgate/otpgate/provider/credential"
	"github.com/otpgate/otpgate/provider/store"
	"github.com/otpgate/otpgate/templates"
)

// dispatch is GET /login/next: the single place that decides where a flow
// goes next. /authorize sends the browser here first; every step's POST
// comes back here.
func (h *Handler) dispatch(c echo.Context) error {
	ctx := c.Request().Context()
	id := c.QueryParam("authRequestID")
	browser := h.cookies.ensureBrowser(c)
	if id != "" && len(id) <= 64 {
		// Bind an unbound flow to this browser on its first visit.
		if err := h.store.BindFlow(ctx, id, browser); err != nil {
			return storeFault(err)
		}
	}
	f, err := h.loadFlow(c)
	if err != nil {
		return err
	}
	if f.PasswordAt == nil {
		done, err := h.useSession(c, f)
		if err != nil || done {
			return err
		}
		if slices.Contains(f.Prompt, oidc.PromptNone) {
			h.cfg.AuthError(c.Response(), c.Request(), f, oidc.ErrLoginRequired())
			return nil
		}
	}
	j, err := h.load(ctx, f)
	if err != nil {
		return err
	}
	step := Next(j.state)
	if step == StepDone {
		return h.finish(c, j)
	}
	return c.Redirect(http.StatusFound, stepURL(step, f.ID))
}

// useSession finishes a flow from the browser's SSO session when the
// request allows it: no prompt=login, max_age not exceeded, the same user
// as an id_token_hint, and a session as strong as this flow requires (a
// second factor when the user has a device or the request needs one).
func (h *Handler) useSession(c echo.Context, f *store.Flow) (bool, error) {
	ctx := c.Request().Context()
	v := h.cookies.get(c, "session")
	if v == "" || slices.Contains(f.Prompt, oidc.PromptLogin) {
		return false, nil
	}
	sess, err := h.store.SessionByID(ctx, credential.HashToken(v))
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, storeFault(err)
	}
	now := h.store.Now()
	if f.MaxAge != nil && now.Sub(sess.AuthTime) > time.Duration(*f.MaxAge)*time.Second {
		return false, nil
	}
	if f.IDTokenHintSubject != "" && f.IDTokenHintSubject != sess.UserID {
		return false, nil
	}
	if h.cfg.QuestionEnabled && !slices.Contains(sess.AMR, "kba") {
		return false, nil
	}
	// Judge the session as if its user had just passed the first factor.
	probe := *f
	probe.UserID, probe.PasswordAt, probe.QuestionAt = sess.UserID, &now, &now
	if u, err := h.flowUser(ctx, &probe); err != nil || u == nil {
		return false, err
	}
	j, err := h.load(ctx, &probe)
	if err != nil {
		return false, err
	}
	if j.state.MustSetup || j.state.OTPLocked || j.state.ProofPending {
		return false, nil
	}
	if (j.state.MFARequired || j.state.HasDevice) && !slices.Contains(sess.AMR, "otp") {
		return false, nil
	}
	_, err = h.store.UpdateFlow(ctx, f.ID, func(fl *store.Flow) error {
		if fl.DoneAt != nil {
			return store.ErrStale
		}
		authTime := sess.AuthTime
		fl.UserID, fl.AMR, fl.ACR, fl.AuthTime, fl.DoneAt = sess.UserID, sess.AMR, sess.ACR, &authTime, &now
		return nil
	})
	if err != nil {
		return false, h.flowWriteError(err)
	}
	return true, c.Redirect(http.StatusFound, h.cfg.CallbackURL(ctx, f.ID))
}

// finish marks a flow done after every required step passed, starts a new
// browser session (a fresh cookie, so a planted one is never promoted) and
// hands the flow back to the library's callback, which issues the code.
func (h *Handler) finish(c echo.Context, j *journey) error {
	ctx := c.Request().Context()
	f, u := j.flow, j.user
	now := h.store.Now()
	amr, acr := amrACR(f.QuestionAt != nil, f.OTPAt != nil)
	_, err := h.store.UpdateFlow(ctx, f.ID, func(fl *store.Flow) error {
		// Re-check inside the transaction: nothing may have changed.
		if fl.DoneAt != nil || fl.UserID != u.ID || fl.PasswordAt == nil ||
			((j.state.MFARequired || j.state.HasDevice) && fl.OTPAt == nil) {
			return store.ErrStale
		}
		fl.AMR, fl.ACR, fl.AuthTime, fl.DoneAt = amr, acr, &now, &now
		return nil
	})
	if err != nil {
		return h.flowWriteError(err)
	}
	if old := h.cookies.get(c, "session"); old != "" {
		if err := h.store.DeleteSession(ctx, credential.HashToken(old)); err != nil {
			h.log.WarnContext(ctx, "could not delete replaced session", "err", err)
		}
	}
	value := credential.NewToken()
	sess := &store.Session{ID: credential.HashToken(value), UserID: u.ID, AMR: amr, ACR: acr, AuthTime: now,
		CreatedAt: now, ExpiresAt: now.Add(h.cfg.SessionLifetime)}
	if err := h.store.CreateSession(ctx, sess); err != nil {
		return storeFault(err)
	}
	h.cookies.set(c, "session", value, h.cfg.SessionLifetime)
	h.log.InfoContext(ctx, "sign-in complete", "user_id", u.ID, "client_id", f.ClientID, "amr", amr)
	h.audit(c, store.EventSignIn, f, u, "amr "+strings.Join(amr, " "))
	return c.Redirect(http.StatusFound, h.cfg.CallbackURL(ctx, f.ID))
}

func (h *Handler) flowWriteError(err error) error {
	if errors.Is(err, store.ErrStale) || errors.Is(err, store.ErrNotFound) {
		return pageError(http.StatusConflict, templates.MsgUnknownRequest, err)
	}
	return storeFault(err)
}
