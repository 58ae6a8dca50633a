package login

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/otpgate/otpgate/provider/signin"
	"github.com/otpgate/otpgate/templates"
)

func (h *Handler) setupPage(c echo.Context) error { return h.stepPage(c, signin.StepSetup) }

func (h *Handler) showSetup(c echo.Context, j *signin.Journey) error {
	return h.page(c, http.StatusOK, j.Flow, templates.SetupPage{Base: h.base(c, j.Flow),
		QuestionEnabled: h.policy.QuestionEnabled, Question: j.User.Question, QuestionOnly: signin.QuestionOnlySetup(j)})
}

// setupSubmit is a first sign-in's (or a reset account's) new password and
// security question.
func (h *Handler) setupSubmit(c echo.Context) error {
	j, ok, err := h.expect(c, signin.StepSetup)
	if !ok {
		return err
	}
	in := signin.SetupInput{NewPassword: c.FormValue("new_password"), NewPasswordConfirm: c.FormValue("new_password_confirm"),
		Question: c.FormValue("question"), Answer: c.FormValue("answer"), AnswerConfirm: c.FormValue("answer_confirm")}
	r, err := h.svc.Setup(c.Request().Context(), j, in)
	if err != nil {
		return pageErrorFor(err)
	}
	if r.Outcome == signin.Invalid {
		page := templates.SetupPage{Base: h.problem(c, j.Flow, r),
			QuestionEnabled: h.policy.QuestionEnabled, Question: in.Question, QuestionOnly: signin.QuestionOnlySetup(j)}
		// Only the passwords were wrong: the person keeps the answer they
		// typed twice (never the passwords, which are typed again).
		if passwordProblem(page.Error) {
			page.Answer, page.AnswerConfirm = in.Answer, in.AnswerConfirm
		}
		return h.page(c, statusOf(r), j.Flow, page)
	}
	return h.advance(c, j, r)
}

// passwordProblem reports whether m is about the new password alone.
func passwordProblem(m templates.Message) bool {
	switch m {
	case templates.MsgPasswordMismatch, templates.MsgPasswordTooShort, templates.MsgPasswordTooLong,
		templates.MsgPasswordReused, templates.MsgPasswordCommon, templates.MsgPasswordContext:
		return true
	}
	return false
}
