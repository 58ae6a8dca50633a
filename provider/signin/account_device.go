package signin

import (
	"context"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"strings"
	"time"

	"github.com/otpgate/otpgate/mfa"
	"github.com/otpgate/otpgate/provider/credential"
	"github.com/otpgate/otpgate/provider/store"
	"github.com/otpgate/otpgate/templates"
)

// Replacing a device on the account page takes two posts. The first
// proves possession of the current device (a passcode, spent like a
// sign-in's) or, when it is lost, of a recovery code (used up), and
// answers a new key: its secret and end, sealed for the page to send back
// (OfferToken), bound to the person, this browser's session and the
// current device. The second verifies the new app's first code and
// replaces the device in one transaction, only if the current device is
// still the one the offer was made for: an offer is used once, dies with
// the session and after pendingLifetime, and until then the current
// device works as before.

// offerAD binds a sealed offer to its person, session and current device.
func offerAD(userID, sessionID, deviceID string) []byte {
	return []byte("account-offer:" + userID + ":" + sessionID + ":" + deviceID)
}

// DeviceProof is the first post of a replacement: a passcode, or a
// recovery code when the device is lost.
type DeviceProof struct{ Passcode, RecoveryCode string }

// StartDeviceReplacement checks the proof and answers a new key.
func (s *Service) StartDeviceReplacement(ctx context.Context, me Self, p DeviceProof) (SelfResult, error) {
	var (
		r   Result
		d   *store.Device
		ok  bool
		err error
	)
	switch {
	case p.Passcode != "":
		r, d, ok, err = s.selfPasscode(ctx, me, p.Passcode, "device replacement", store.DeviceOfferChange{})
	case p.RecoveryCode != "":
		r, d, ok, err = s.selfRecoveryCode(ctx, me, p.RecoveryCode)
	default:
		return SelfResult{Result: invalid(templates.MsgProofRequired)}, nil
	}
	if !ok || err != nil {
		return SelfResult{Result: r}, err
	}
	secret, err := mfa.NewSecret(s.rand)
	if err != nil {
		return SelfResult{}, internal(err)
	}
	var plain [8]byte
	binary.BigEndian.PutUint64(plain[:], uint64(s.now().Add(pendingLifetime).Unix()))
	sealed := s.sealer.Seal(append(plain[:], secret...), offerAD(me.User.ID, me.SessionID, d.ID))
	o, err := s.selfOffer(me, secret)
	return SelfResult{Result: passed(), Offer: o, OfferToken: base64.RawURLEncoding.EncodeToString(sealed)}, err
}

// selfRecoveryCode uses up a recovery code as the proof of a replacement;
// a wrong one counts on the passcode counter, within the account page's
// limit (store.AccountAttemptLimit), as a wrong passcode there does.
func (s *Service) selfRecoveryCode(ctx context.Context, me Self, input string) (Result, *store.Device, bool, error) {
	u := me.User
	d, err := s.store.DeviceByUser(ctx, u.ID)
	if errors.Is(err, store.ErrNotFound) {
		return Result{Outcome: Forbidden}, nil, false, nil
	}
	if err != nil {
		return Result{}, nil, false, fault(err)
	}
	n, ok, err := s.selfStore().ReserveAccountOTPAttempt(ctx, u.ID, s.cfg.OTPAttempts)
	if err != nil {
		return Result{}, nil, false, fault(err)
	}
	if !ok {
		r, err := s.selfExhausted(ctx, me, "device replacement; recovery code not checked")
		return r, d, false, err
	}
	match, err := s.matchRecoveryCode(ctx, u.ID, input)
	if err != nil {
		return Result{}, nil, false, err
	}
	if match == nil {
		r, err := s.selfSecondFactorRejected(ctx, me, n, n >= store.AccountAttemptLimit(s.cfg.OTPAttempts),
			"device replacement; wrong recovery code", templates.MsgRecoveryCodeInvalid)
		return r, d, false, err
	}
	if err := s.store.RecordOTPSuccess(ctx, u.ID); err != nil {
		return Result{}, nil, false, fault(err)
	}
	return passed(), d, true, nil
}

// selfOffer is the key an authenticator app scans for secret.
func (s *Service) selfOffer(me Self, secret []byte) (Offer, error) {
	key, err := s.cfg.TOTP.Key(s.cfg.TOTPIssuer, me.User.Username, secret)
	if err != nil {
		return Offer{}, internal(err)
	}
	return Offer{Secret: secret, Key: key}, nil
}

// openOffer is the secret of a sealed offer that is me's, for the
// current device, and not expired; nil otherwise.
func (s *Service) openOffer(ctx context.Context, me Self, token string) ([]byte, *store.Device, error) {
	d, err := s.store.DeviceByUser(ctx, me.User.ID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, fault(err)
	}
	sealed, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil || len(token) > 512 {
		return nil, d, nil
	}
	plain, err := s.sealer.Open(sealed, offerAD(me.User.ID, me.SessionID, d.ID))
	if err != nil || len(plain) <= 8 {
		return nil, d, nil
	}
	if !s.now().Before(time.Unix(int64(binary.BigEndian.Uint64(plain[:8])), 0)) {
		return nil, d, nil
	}
	return plain[8:], d, nil
}

// FinishDeviceReplacement verifies the new app's first code against the
// offer and replaces the device: the old device and every recovery code
// die in the same transaction, ten new codes are answered (shown once),
// the passcode count is cleared, and the person's other sessions end and
// their tokens are revoked. An offer that is not valid any more
// (expired, used, another session's, the device changed) is Restarted:
// the person starts again.
func (s *Service) FinishDeviceReplacement(ctx context.Context, me Self, token, app, code string) (SelfResult, error) {
	secret, old, err := s.openOffer(ctx, me, token)
	if err != nil {
		return SelfResult{}, err
	}
	if secret == nil {
		return SelfResult{Result: restartedWith(templates.MsgOfferExpired)}, nil
	}
	retry := func(r Result) (SelfResult, error) {
		o, err := s.selfOffer(me, secret)
		return SelfResult{Result: r, Offer: o, OfferToken: token}, err
	}
	if !templates.AppKnown(app) {
		return retry(invalid(templates.MsgAppRequired))
	}
	now := s.now()
	normalized, err := s.cfg.TOTP.Normalize(code)
	if err != nil {
		return retry(invalid(templates.MsgCodeMalformed))
	}
	step, err := s.cfg.TOTP.Match(secret, normalized, now, 0)
	if err != nil {
		return retry(rejected(templates.MsgCodeInvalid))
	}
	codes, hashes, err := s.newRecoveryCodes()
	if err != nil {
		return SelfResult{}, err
	}
	u := me.User
	deviceID := "d_" + strings.ToLower(credential.NewToken()[:26])
	err = s.selfStore().ReplaceDevice(ctx, store.Replacement{OldDeviceID: old.ID, KeepSession: me.SessionID, CodeHashes: hashes,
		Device: &store.Device{ID: deviceID, UserID: u.ID, App: app, LastStep: step, EnrolledAt: now,
			Secret: s.sealer.Seal(secret, DeviceAD(u.ID, deviceID))}})
	if errors.Is(err, store.ErrStale) || errors.Is(err, store.ErrConflict) {
		return SelfResult{Result: restartedWith(templates.MsgOfferExpired)}, nil
	}
	if err != nil {
		return SelfResult{}, fault(err)
	}
	s.recordSelf(ctx, me, store.EventSelfDevice, "authenticator app replaced by "+app+
		"; 10 new recovery codes; other sessions ended and tokens revoked")
	return SelfResult{Result: passed(), Codes: codes}, nil
}
