package login

import (
	"net/http"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/otpgate/otpgate/provider/credential"
	"github.com/otpgate/otpgate/provider/store"
	"github.com/otpgate/otpgate/templates"
)

// minAnswerLen is the shortest accepted answer, after normalisation.
const minAnswerLen = 3

func (h *Handler) setupPage(c echo.Context) error {
	j, ok, err := h.expect(c, StepSetup)
	if !ok {
		return err
	}
	f, u := j.flow, j.user
	return h.page(c, http.StatusOK, f, templates.SetupPage{Base: h.base(c, f),
		QuestionEnabled: h.cfg.QuestionEnabled, Question: u.Question})
}

// setupSubmit is a first sign-in's (or a reset account's) new password,
// entered twice, and, when the question step is on, a question and its
// answer, entered twice.
func (h *Handler) setupSubmit(c echo.Context) error {
	j, ok, err := h.expect(c, StepSetup)
	if !ok {
		return err
	}
	f, u := j.flow, j.user
	ctx := c.Request().Context()
	question := c.FormValue("question")
	fail := func(m templates.Message) error {
		b := h.base(c, f)
		b.Error = m
		return h.page(c, http.StatusBadRequest, f, templates.SetupPage{Base: b,
			QuestionEnabled: h.cfg.QuestionEnabled, Question: question})
	}
	pw, pw2 := c.FormValue("new_password"), c.FormValue("new_password_confirm")
	switch {
	case pw == "" || pw2 == "":
		return fail(templates.MsgFieldRequired)
	case pw != pw2:
		return fail(templates.MsgPasswordMismatch)
	case utf8.RuneCountInString(pw) < h.cfg.MinPasswordLength:
		return fail(templates.MsgPasswordTooShort)
	case len(pw) > maxPasswordLen:
		return fail(templates.MsgPasswordTooLong)
	}
	var setup store.UserSetup
	if h.cfg.QuestionEnabled {
		answer := credential.NormalizeAnswer(c.FormValue("answer"))
		confirm := credential.NormalizeAnswer(c.FormValue("answer_confirm"))
		switch {
		case !templates.QuestionKnown(question):
			return fail(templates.MsgQuestionRequired)
		case answer == "" || confirm == "":
			return fail(templates.MsgFieldRequired)
		case answer != confirm:
			return fail(templates.MsgAnswerMismatch)
		case utf8.RuneCountInString(answer) < minAnswerLen || len(answer) > maxAnswerLen:
			return fail(templates.MsgAnswerTooShort)
		}
		setup.Question, setup.AnswerHash = question, h.hasher.Hash(answer)
	}
	if same, _ := h.hasher.Verify(pw, u.PasswordHash); same {
		return fail(templates.MsgPasswordReused)
	}
	setup.PasswordHash = h.hasher.Hash(pw)
	if err := h.store.FinishSetup(ctx, u.ID, setup); err != nil {
		return storeFault(err)
	}
	now := h.store.Now()
	_, err = h.store.UpdateFlow(ctx, f.ID, func(fl *store.Flow) error {
		if fl.DoneAt != nil || fl.UserID != u.ID {
			return store.ErrStale
		}
		fl.SetupAt = &now
		return nil
	})
	if err != nil {
		return h.flowWriteError(err)
	}
	h.log.InfoContext(ctx, "first sign-in setup done", "user_id", u.ID)
	return seeOther(c, nextURL(f.ID))
}
