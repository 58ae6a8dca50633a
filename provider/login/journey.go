package login

import (
	"context"
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/otpgate/otpgate/provider/store"
	"github.com/otpgate/otpgate/templates"
)

// journey is everything the dispatcher and the steps decide on.
type journey struct {
	flow   *store.Flow
	user   *store.User   // nil until the password step identified someone
	device *store.Device // nil when the user has no enrolled device
	state  State
}

// load gathers a flow's user, device and requirements.
func (h *Handler) load(ctx context.Context, f *store.Flow) (*journey, error) {
	j := &journey{flow: f}
	u, err := h.flowUser(ctx, f)
	if err != nil {
		return nil, err
	}
	if f.UserID != "" && u == nil {
		// The account went away (disabled or deleted) during the sign-in:
		// the flow ends; it is never handed to another account.
		return nil, pageError(http.StatusForbidden, templates.MsgUnknownRequest, nil)
	}
	j.user = u
	j.state = State{QuestionEnabled: h.cfg.QuestionEnabled, PasswordDone: f.PasswordAt != nil && u != nil,
		QuestionDone: f.QuestionAt != nil, EnrolledNow: f.EnrolledAt != nil, CodesAcked: f.CodesAckAt != nil,
		OTPDone: f.OTPAt != nil}
	if u == nil {
		return j, nil
	}
	j.state.MustSetup = u.MustChangePassword || (h.cfg.QuestionEnabled && u.AnswerHash == "")
	j.state.OTPLocked = u.OTPLocked
	j.state.ProofPending = u.ProofHash != ""
	j.state.ProofDone = f.ProofAt != nil
	j.state.ResetDone = f.ResetAt != nil
	d, err := h.store.DeviceByUser(ctx, u.ID)
	switch {
	case errors.Is(err, store.ErrNotFound):
	case err != nil:
		return nil, storeFault(err)
	default:
		j.device = d
		j.state.HasDevice = true
	}
	if hold := u.EnrollHoldBrowser; hold != "" && !j.state.HasDevice {
		// Possession was proven after a reset in one browser: that browser
		// enrols the new device; every other sign-in waits for a proof.
		if hold == f.BrowserHash {
			j.state.ResetDone = true
		} else {
			j.state.ProofPending = true
		}
	}
	if j.state.MFARequired, err = h.mfaRequired(ctx, f, u); err != nil {
		return nil, err
	}
	return j, nil
}

// mfaRequired: the global policy, an admin's setting on the user or the
// client, or the request's acr_values demand a second factor.
func (h *Handler) mfaRequired(ctx context.Context, f *store.Flow, u *store.User) (bool, error) {
	if h.cfg.MFAPolicy == MFAAlways || u.RequireMFA || WantsMFA(f.ACRValues) {
		return true, nil
	}
	c, err := h.store.ClientByID(ctx, f.ClientID)
	if err != nil {
		return false, storeFault(err)
	}
	return c.RequireMFA, nil
}

// flowUser loads the user a flow has identified, if any.
func (h *Handler) flowUser(ctx context.Context, f *store.Flow) (*store.User, error) {
	if f.UserID == "" {
		return nil, nil
	}
	u, err := h.store.UserByID(ctx, f.UserID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, storeFault(err)
	}
	if u.Disabled {
		return nil, nil
	}
	return u, nil
}

// expect loads the flow and checks that step is the one the journey is
// at; otherwise the browser is sent back to the dispatcher (ok false).
func (h *Handler) expect(c echo.Context, step Step) (*journey, bool, error) {
	f, err := h.loadFlow(c)
	if err != nil {
		return nil, false, err
	}
	j, err := h.load(c.Request().Context(), f)
	if err != nil {
		return nil, false, err
	}
	if Next(j.state) != step {
		return nil, false, c.Redirect(http.StatusSeeOther, nextURL(f.ID))
	}
	return j, true, nil
}
