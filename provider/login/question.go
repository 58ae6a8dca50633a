package login

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/otpgate/otpgate/provider/credential"
	"github.com/otpgate/otpgate/provider/store"
	"github.com/otpgate/otpgate/templates"
)

// maxAnswerLen bounds an answer before hashing.
const maxAnswerLen = 256

func (h *Handler) questionPage(c echo.Context) error {
	j, ok, err := h.expect(c, StepQuestion)
	if !ok {
		return err
	}
	f, u := j.flow, j.user
	return h.page(c, http.StatusOK, f, templates.QuestionPage{Base: h.base(c, f), Question: u.Question})
}

// questionSubmit checks the security answer. A wrong answer gets the same
// generic message as a wrong password.
func (h *Handler) questionSubmit(c echo.Context) error {
	j, ok, err := h.expect(c, StepQuestion)
	if !ok {
		return err
	}
	f, u := j.flow, j.user
	ctx := c.Request().Context()
	answer := c.FormValue("answer")
	fail := func(status int, m templates.Message) error {
		b := h.base(c, f)
		b.Error = m
		return h.page(c, status, f, templates.QuestionPage{Base: b, Question: u.Question})
	}
	if answer == "" {
		return fail(http.StatusBadRequest, templates.MsgFieldRequired)
	}
	att, err := h.reserveLogin(ctx, u)
	if err != nil {
		return err
	}
	good := false
	if len(answer) <= maxAnswerLen {
		var err error
		good, err = h.hasher.Verify(credential.NormalizeAnswer(answer), u.AnswerHash)
		if err != nil {
			h.log.ErrorContext(ctx, "stored answer hash unreadable", "user_id", u.ID, "err", err)
		}
	}
	if !good || !att.ok {
		if err := h.loginFailed(c, f, u, StepQuestion, att); err != nil {
			return err
		}
		return fail(http.StatusUnauthorized, templates.MsgSignInFailed)
	}
	if err := h.store.RecordLoginSuccess(ctx, u.ID); err != nil {
		return storeFault(err)
	}
	now := h.store.Now()
	_, err = h.store.UpdateFlow(ctx, f.ID, func(fl *store.Flow) error {
		if fl.DoneAt != nil || fl.UserID != u.ID {
			return store.ErrStale
		}
		fl.QuestionAt = &now
		return nil
	})
	if err != nil {
		return h.flowWriteError(err)
	}
	return seeOther(c, nextURL(f.ID))
}
