package login

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/otpgate/otpgate/provider/signin"
	"github.com/otpgate/otpgate/templates"
)

func (h *Handler) questionPage(c echo.Context) error { return h.stepPage(c, signin.StepQuestion) }

func (h *Handler) showQuestion(c echo.Context, j *signin.Journey) error {
	return h.page(c, http.StatusOK, j.Flow, templates.QuestionPage{Base: h.base(c, j.Flow), Question: j.User.Question})
}

// questionSubmit checks the security answer; a wrong answer gets the same
// generic message as a wrong password.
func (h *Handler) questionSubmit(c echo.Context) error {
	j, ok, err := h.expect(c, signin.StepQuestion)
	if !ok {
		return err
	}
	r, err := h.svc.Question(c.Request().Context(), j, c.FormValue("answer"))
	if err != nil {
		return pageErrorFor(err)
	}
	if r.Outcome == signin.Invalid || r.Outcome == signin.Rejected || r.Outcome == signin.Limited {
		retryAfter(c, r)
		return h.page(c, statusOf(r), j.Flow, templates.QuestionPage{Base: h.problem(c, j.Flow, r),
			Question: j.User.Question, OfferLink: r.OfferLink})
	}
	return h.advance(c, j, r)
}
