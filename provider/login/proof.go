package login

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/otpgate/otpgate/provider/signin"
	"github.com/otpgate/otpgate/provider/store"
	"github.com/otpgate/otpgate/templates"
)

// After an administrator's reset, enrollment waits for the one-time proof
// the reset issued, typed here or opened as an emailed link.

func (h *Handler) proofPage(c echo.Context) error {
	j, ok, err := h.expect(c, signin.StepEnrollProof)
	if !ok {
		return err
	}
	return h.page(c, http.StatusOK, j.Flow, templates.EnrollProofPage{Base: h.base(c, j.Flow)})
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
	return h.page(c, statusOf(r), j.Flow, templates.EnrollProofPage{Base: h.problem(c, j.Flow, r)})
}

// proofLink is the emailed form of an administrator's enrollment proof; it
// applies to the sign-in in this browser that waits for the proof.
func (h *Handler) proofLink(c echo.Context) error {
	return h.link(c, store.LinkProof, signin.StepEnrollProof, h.svc.ProofWithLink)
}
