package login

import (
	"errors"
	"net/http"
	"slices"
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
	u, err := h.flowUser(ctx, f)
	if err != nil {
		return err
	}
	step := Next(h.state(f, u))
	if step == StepDone {
		return h.finish(c, f, u)
	}
	return c.Redirect(http.StatusFound, stepURL(step, f.ID))
}

// useSession finishes a flow from the browser's SSO session when the
// request allows it: no prompt=login, max_age not exceeded, the same user
// as an id_token_hint, and a session as strong as the journey requires.
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
	u, err := h.store.UserByID(ctx, sess.UserID)
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, storeFault(err)
	}
	if u.Disabled || u.MustChangePassword {
		return false, nil
	}
	_, err = h.store.UpdateFlow(ctx, f.ID, func(fl *store.Flow) error {
		if fl.DoneAt != nil {
			return store.ErrStale
		}
		authTime := sess.AuthTime
		fl.UserID, fl.AMR, fl.ACR, fl.AuthTime, fl.DoneAt = u.ID, sess.AMR, sess.ACR, &authTime, &now
		return nil
	})
	if err != nil {
		return false, h.flowWriteError(err)
	}
	return true, c.Redirect(http.StatusFound, h.cfg.CallbackURL(ctx, f.ID))
}

// finish marks a flow done after every step passed, starts a new browser
// session (a fresh cookie, so a planted one is never promoted) and hands
// the flow back to the library's callback, which issues the code.
func (h *Handler) finish(c echo.Context, f *store.Flow, u *store.User) error {
	ctx := c.Request().Context()
	now := h.store.Now()
	amr := []string{"pwd"}
	if f.QuestionAt != nil {
		amr = append(amr, "kba")
	}
	_, err := h.store.UpdateFlow(ctx, f.ID, func(fl *store.Flow) error {
		if fl.DoneAt != nil || fl.UserID != u.ID || fl.PasswordAt == nil {
			return store.ErrStale
		}
		fl.AMR, fl.AuthTime, fl.DoneAt = amr, &now, &now
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
	sess := &store.Session{ID: credential.HashToken(value), UserID: u.ID, AMR: amr, AuthTime: now,
		CreatedAt: now, ExpiresAt: now.Add(h.cfg.SessionLifetime)}
	if err := h.store.CreateSession(ctx, sess); err != nil {
		return storeFault(err)
	}
	h.cookies.set(c, "session", value, h.cfg.SessionLifetime)
	h.log.InfoContext(ctx, "sign-in complete", "user_id", u.ID, "client_id", f.ClientID, "amr", amr)
	return c.Redirect(http.StatusFound, h.cfg.CallbackURL(ctx, f.ID))
}

func (h *Handler) flowWriteError(err error) error {
	if errors.Is(err, store.ErrStale) || errors.Is(err, store.ErrNotFound) {
		return pageError(http.StatusConflict, templates.MsgUnknownRequest, err)
	}
	return storeFault(err)
}
