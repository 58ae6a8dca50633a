package login

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"html/template"
	"image/png"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/otpgate/otpgate/mfa"
	"github.com/otpgate/otpgate/provider/credential"
	"github.com/otpgate/otpgate/provider/store"
	"github.com/otpgate/otpgate/templates"
)

// Enrollment limits: a pending secret is offered for this long, and is
// replaced by a new one after this many wrong verification codes.
const (
	pendingLifetime    = 10 * time.Minute
	maxPendingAttempts = 5
)

func pendingAD(flowID string) []byte { return []byte("pending-totp:" + flowID) }
func codesAD(flowID string) []byte   { return []byte("recovery-codes:" + flowID) }

// DeviceAD binds a sealed TOTP secret to its user and device, so a row
// copied to another user fails to decrypt.
func DeviceAD(userID, deviceID string) []byte { return []byte("totp:" + userID + ":" + deviceID) }

// pendingSecret returns the flow's pending secret, creating a new one when
// there is none, it expired, or restart is set (too many wrong codes). The
// secret is generated here and never accepted from the client.
func (h *Handler) pendingSecret(c echo.Context, f *store.Flow, restart bool) ([]byte, *store.Flow, error) {
	now := h.store.Now()
	if !restart && f.PendingSecret != nil && f.PendingExpiresAt != nil && f.PendingExpiresAt.After(now) {
		secret, err := h.cfg.Sealer.Open(f.PendingSecret, pendingAD(f.ID))
		if err == nil {
			return secret, f, nil
		}
		h.log.ErrorContext(c.Request().Context(), "pending TOTP secret cannot be opened; issuing a new one", "err", err)
	}
	secret, err := mfa.NewSecret(h.cfg.Rand)
	if err != nil {
		return nil, nil, err
	}
	sealed := h.cfg.Sealer.Seal(secret, pendingAD(f.ID))
	expires := now.Add(pendingLifetime)
	f, err = h.store.UpdateFlow(c.Request().Context(), f.ID, func(fl *store.Flow) error {
		if fl.EnrolledAt != nil || fl.DoneAt != nil {
			return store.ErrStale
		}
		fl.PendingSecret, fl.PendingExpiresAt, fl.PendingAttempts = sealed, &expires, 0
		return nil
	})
	if err != nil {
		return nil, nil, h.flowWriteError(err)
	}
	return secret, f, nil
}

func (h *Handler) enrollPage(c echo.Context) error {
	j, ok, err := h.expect(c, StepEnroll)
	if !ok {
		return err
	}
	secret, f, err := h.pendingSecret(c, j.flow, false)
	if err != nil {
		return err
	}
	return h.renderEnroll(c, http.StatusOK, f, j.user, secret, "", "")
}

func (h *Handler) renderEnroll(c echo.Context, status int, f *store.Flow, u *store.User, secret []byte, app string, msg templates.Message) error {
	key, err := h.cfg.TOTP.Key(h.cfg.TOTPIssuer, u.Username, secret)
	if err != nil {
		return pageError(http.StatusInternalServerError, templates.MsgInternal, err)
	}
	img, err := key.Image(256, 256)
	if err != nil {
		return pageError(http.StatusInternalServerError, templates.MsgInternal, err)
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return pageError(http.StatusInternalServerError, templates.MsgInternal, err)
	}
	b := h.base(c, f)
	b.Error = msg
	return h.page(c, status, f, templates.EnrollPage{
		Base:        b,
		SelectedApp: app,
		SetupKey:    mfa.GroupKey(mfa.EncodeSecret(secret)),
		OTPAuthURI:  key.URL(),
		// The data URL is built here from PNG bytes only.
		QRCode:  template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(buf.Bytes())),
		Issuer:  h.cfg.TOTPIssuer,
		Account: u.Username,
	})
}

// enrollSubmit verifies the first code of the pending secret. Success
// stores the device (its last step set to the code's step, so the same code
// cannot sign in again) and ten recovery codes; too many wrong codes
// replace the secret.
func (h *Handler) enrollSubmit(c echo.Context) error {
	j, ok, err := h.expect(c, StepEnroll)
	if !ok {
		return err
	}
	ctx := c.Request().Context()
	f, u := j.flow, j.user
	app := c.FormValue("app")
	secret, f, err := h.pendingSecret(c, f, false)
	if err != nil {
		return err
	}
	if f.PendingAttempts == 0 && j.flow.PendingSecret != nil && !bytes.Equal(f.PendingSecret, j.flow.PendingSecret) {
		// The secret the person scanned had expired: show the new one.
		return h.renderEnroll(c, http.StatusConflict, f, u, secret, app, templates.MsgEnrollRestarted)
	}
	if !templates.AppKnown(app) {
		return h.renderEnroll(c, http.StatusBadRequest, f, u, secret, app, templates.MsgAppRequired)
	}
	now := h.store.Now()
	code, err := h.cfg.TOTP.Normalize(c.FormValue("code"))
	var step int64
	if err == nil {
		step, err = h.cfg.TOTP.Match(secret, code, now, 0)
	}
	if err != nil {
		return h.enrollFailed(c, f, u, secret, app, err)
	}
	deviceID := "d_" + strings.ToLower(newID())
	codes, err := mfa.NewRecoveryCodes(h.cfg.Rand, mfa.RecoveryCodeCount)
	if err != nil {
		return pageError(http.StatusInternalServerError, templates.MsgInternal, err)
	}
	hashes := make([]string, len(codes))
	for i, rc := range codes {
		hashes[i] = h.hasher.Hash(mfa.NormalizeRecoveryCode(rc))
	}
	err = h.store.EnrollDevice(ctx, store.Enrollment{
		FlowID: f.ID,
		Device: &store.Device{ID: deviceID, UserID: u.ID, App: app, LastStep: step, EnrolledAt: now,
			Secret: h.cfg.Sealer.Seal(secret, DeviceAD(u.ID, deviceID))},
		CodeHashes:  hashes,
		SealedCodes: h.cfg.Sealer.Seal([]byte(strings.Join(codes, "\n")), codesAD(f.ID)),
	})
	if errors.Is(err, store.ErrStale) || errors.Is(err, store.ErrConflict) {
		// Another request enrolled first: the dispatcher knows what is next.
		return seeOther(c, nextURL(f.ID))
	}
	if err != nil {
		return storeFault(err)
	}
	// A verified code is a second-factor success: the count starts over.
	if err := h.store.RecordOTPSuccess(ctx, u.ID); err != nil {
		return storeFault(err)
	}
	h.log.InfoContext(ctx, "device enrolled", "user_id", u.ID, "app", app)
	h.audit(c, store.EventEnrolled, f, u, "authenticator app "+app+" enrolled; 10 recovery codes issued")
	h.notify(c, "device enrolled", func(ctx context.Context, n Notifier) error { return n.DeviceEnrolled(ctx, u, app) })
	return seeOther(c, nextURL(f.ID))
}

// enrollFailed counts a wrong or malformed verification code; at the limit
// the secret is replaced and the person must scan again.
func (h *Handler) enrollFailed(c echo.Context, f *store.Flow, u *store.User, secret []byte, app string, cause error) error {
	f, err := h.store.UpdateFlow(c.Request().Context(), f.ID, func(fl *store.Flow) error {
		fl.PendingAttempts++
		return nil
	})
	if err != nil {
		return h.flowWriteError(err)
	}
	if f.PendingAttempts >= maxPendingAttempts {
		secret, f, err = h.pendingSecret(c, f, true)
		if err != nil {
			return err
		}
		return h.renderEnroll(c, http.StatusUnauthorized, f, u, secret, app, templates.MsgEnrollRestarted)
	}
	msg := templates.MsgCodeInvalid
	status := http.StatusUnauthorized
	if errors.Is(cause, mfa.ErrMalformed) {
		msg, status = templates.MsgCodeMalformed, http.StatusBadRequest
	}
	return h.renderEnroll(c, status, f, u, secret, app, msg)
}

func newID() string { return credential.NewToken()[:26] }
