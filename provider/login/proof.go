package login

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/otpgate/otpgate/provider/signin"
	"github.com/otpgate/otpgate/provider/store"
	"github.com/otpgate/otpgate/templates"
)

// Before a first enrollment (mfa.enrollment_proof) and after an
// administrator's reset, enrollment waits for a proof the password and the
// answer do not give: an administrator's enrollment code typed here, its
// emailed link, or (first enrollment, policy email) a link this page mails.

func (h *Handler) proofPage(c echo.Context) error { return h.stepPage(c, signin.StepEnrollProof) }

func (h *Handler) showProof(c echo.Context, j *signin.Journey) error {
	return h.renderProof(c, http.StatusOK, j, h.base(c, j.Flow), false)
}

func (h *Handler) renderProof(c echo.Context, status int, j *signin.Journey, b templates.Base, sent bool) error {
	return h.page(c, status, j.Flow, templates.EnrollProofPage{Base: b,
		FirstEnrollment: j.FirstEnrollment,
		EmailAllowed:    h.svc.CanEmailEnrollProof(j),
		EmailSent:       sent,
	})
}

func (h *Handler) proofSubmit(c echo.Context) error {
	j, ok, err := h.expect(c, signin.StepEnrollProof)
	if !ok {
		return err
	}
	r, err := h.svc.Proof(c.Request().Context(), j, c.FormValue("proof"))
	if err != nil {
		return pageErrorFor(err)
	}
	if r.Outcome == signin.Passed || r.Outcome == signin.Moved {
		return h.advance(c, j, r)
	}
	return h.renderProof(c, statusOf(r), j, h.problem(c, j.Flow, r), false)
}

// proofEmail mails the single-use proof of a first enrollment for this
// sign-in.
func (h *Handler) proofEmail(c echo.Context) error {
	j, ok, err := h.expect(c, signin.StepEnrollProof)
	if !ok {
		return err
	}
	r, err := h.svc.EmailEnrollLink(c.Request().Context(), j)
	if err != nil {
		return pageErrorFor(err)
	}
	return h.renderProof(c, statusOf(r), j, h.problem(c, j.Flow, r), r.Outcome == signin.Passed)
}

// proofLink is the emailed form of an administrator's enrollment proof; it
// applies to the sign-in in this browser that waits for the proof.
func (h *Handler) proofLink(c echo.Context) error {
	return h.link(c, store.LinkProof, signin.StepEnrollProof, h.svc.ProofWithLink)
}

// enrollLink is the mailed proof of a first enrollment; it applies to the
// sign-in that asked for it, in its browser.
func (h *Handler) enrollLink(c echo.Context) error {
	return h.link(c, store.LinkEnroll, signin.StepEnrollProof, h.svc.EnrollWithLink)
}
