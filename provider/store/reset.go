package store

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// removeDevice deletes a user's device and recovery codes and clears the
// passcode counters, then ends everything the old device could still
// reach: sessions, refresh and access tokens, codes not yet exchanged,
// unused emailed links, and every unfinished sign-in (but keepFlow, the one
// doing a self-service reset) starts again from the password.
func (s *Store) removeDevice(tx *gorm.DB, userID string, now time.Time, keepFlow string) error {
	if err := tx.Model(&Flow{}).Where("user_id = ? AND done_at IS NULL AND id <> ?", userID, keepFlow).
		Updates(map[string]any{"password_at": nil, "setup_at": nil, "question_at": nil, "otp_at": nil,
			"enrolled_at": nil, "codes_ack_at": nil, "reset_at": nil, "proof_at": nil, "pending_secret": nil,
			"pending_codes": nil, "pending_expires_at": nil, "pending_attempts": 0}).Error; err != nil {
		return err
	}
	if err := tx.Model(&Flow{}).Where("user_id = ? AND done_at IS NOT NULL AND code_used_at IS NULL", userID).
		Update("code_used_at", now).Error; err != nil {
		return err
	}
	if err := tx.Model(&LinkToken{}).Where("user_id = ? AND used_at IS NULL", userID).Update("used_at", now).Error; err != nil {
		return err
	}
	if err := tx.Where("user_id = ?", userID).Delete(&Device{}).Error; err != nil {
		return err
	}
	if err := tx.Where("user_id = ?", userID).Delete(&RecoveryCode{}).Error; err != nil {
		return err
	}
	// A browser that signed in before the reset may be the one that made
	// it necessary: it loses its own password budget until it signs in
	// again.
	if err := tx.Where("user_id = ?", userID).Delete(&KnownBrowser{}).Error; err != nil {
		return err
	}
	// A remembered browser skipped the passcode of the device that is
	// gone: the new one is asked for in every browser.
	if err := forgetBrowsers(tx, userID); err != nil {
		return err
	}
	if err := tx.Model(&User{}).Where("id = ?", userID).
		Updates(map[string]any{"otp_failures": 0, "otp_locked": false}).Error; err != nil {
		return err
	}
	if err := tx.Where("user_id = ?", userID).Delete(&Session{}).Error; err != nil {
		return err
	}
	if err := tx.Model(&RefreshToken{}).Where("user_id = ? AND revoked_at IS NULL", userID).
		Update("revoked_at", now).Error; err != nil {
		return err
	}
	return tx.Model(&AccessToken{}).Where("user_id = ? AND revoked_at IS NULL", userID).
		Update("revoked_at", now).Error
}

// AdminResetDevice is an administrator's device reset: the device and
// recovery codes go, the passcode lock is cleared, sessions and tokens are
// revoked, and the user must present a one-time enrollment proof (hash
// proofHash, valid until proofExpires) before enrolling again.
func (s *Store) AdminResetDevice(ctx context.Context, userID, proofHash string, proofExpires time.Time) error {
	now := s.now()
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Model(&User{}).Where("id = ?", userID).
			Updates(map[string]any{"proof_hash": proofHash, "proof_expires_at": proofExpires.UTC(), "enroll_hold_browser": "",
				"proof_renews": true, "proof_failures": 0, "proof_window_start": 0})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return ErrNotFound
		}
		return s.removeDevice(tx, userID, now, "")
	})
	if err != nil && err != ErrNotFound {
		return fmt.Errorf("reset device: %w", err)
	}
	return err
}

// SelfResetDevice removes the device of a user who proved possession of a
// recovery code or an emailed link in flow flowID, and marks the flow so
// that enrollment of a new device follows in the same sign-in. It fails
// with ErrStale when the flow is not that user's unfinished flow, or the
// account is locked for passcodes.
func (s *Store) SelfResetDevice(ctx context.Context, flowID, userID string) error {
	now := s.now()
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Model(&Flow{}).Where("id = ? AND user_id = ? AND done_at IS NULL AND reset_at IS NULL", flowID, userID).
			Updates(map[string]any{"reset_at": now, "otp_at": nil})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return ErrStale
		}
		if err := refuseLocked(tx, userID); err != nil {
			return err
		}
		if err := holdEnrollment(tx, userID, flowID); err != nil {
			return err
		}
		return s.removeDevice(tx, userID, now, flowID)
	})
	if err != nil && err != ErrStale {
		return fmt.Errorf("reset device: %w", err)
	}
	return err
}

// ConsumeProof marks the administrator's enrollment proof as used by flow
// flowID: it clears the proof from the user (once: a second use finds
// nothing), records ProofAt on the flow, and, for the proof of a reset
// (ProofRenews), makes the account choose a new password and answer before
// it enrols (whoever made the reset necessary may know the old ones).
func (s *Store) ConsumeProof(ctx context.Context, flowID, userID, proofHash string) error {
	now := s.now()
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Model(&User{}).Where("id = ? AND proof_hash = ? AND proof_hash <> '' AND proof_expires_at > ?", userID, proofHash, now).
			Updates(map[string]any{"proof_hash": "", "proof_expires_at": nil, "proof_renews": false,
				"must_change_password": gorm.Expr("must_change_password OR proof_renews"),
				"proof_failures":       0, "proof_window_start": 0})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return ErrStale
		}
		res = tx.Model(&Flow{}).Where("id = ? AND user_id = ? AND done_at IS NULL", flowID, userID).Update("proof_at", now)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return ErrStale
		}
		return holdEnrollment(tx, userID, flowID)
	})
}

// IssueEnrollmentCode stores the proof an administrator issues for the
// first enrollment of userID (mfa.enrollment_proof = admin): like the
// proof of a reset it is single-use and expires, but it renews nothing and
// removes nothing. It fails with ErrStale when the user already has a
// device (there is nothing to enrol) and ErrNotFound without the user.
func (s *Store) IssueEnrollmentCode(ctx context.Context, userID, proofHash string, expires time.Time) error {
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var devices int64
		if err := tx.Model(&Device{}).Where("user_id = ?", userID).Count(&devices).Error; err != nil {
			return err
		}
		if devices > 0 {
			return ErrStale
		}
		res := tx.Model(&User{}).Where("id = ?", userID).
			Updates(map[string]any{"proof_hash": proofHash, "proof_expires_at": expires.UTC(), "enroll_hold_browser": "",
				"proof_renews": false, "proof_failures": 0, "proof_window_start": 0})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return ErrNotFound
		}
		return nil
	})
	if err != nil && err != ErrNotFound && err != ErrStale {
		return fmt.Errorf("issue enrollment code: %w", err)
	}
	return err
}

// ConsumeEnrollLink uses up the emailed first-enrollment link whose token
// hashes to hash, for userID's unfinished sign-in flowID (the one that
// asked for it), marks the proof presented in that flow and holds the
// next enrollment for its browser, all in one transaction. A link that is
// used, expired or meant for another sign-in is ErrNotFound; a flow that
// ended is ErrStale. Nothing is written in either case.
func (s *Store) ConsumeEnrollLink(ctx context.Context, hash, flowID, userID string) error {
	if !lookupable(hash) || !lookupable(flowID) {
		return ErrNotFound
	}
	now := s.now()
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Model(&LinkToken{}).
			Where("token_hash = ? AND purpose = ? AND user_id = ? AND flow_id = ? AND used_at IS NULL AND expires_at > ?",
				hash, LinkEnroll, userID, flowID, now).
			Update("used_at", now)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return ErrNotFound
		}
		res = tx.Model(&Flow{}).Where("id = ? AND user_id = ? AND done_at IS NULL AND proof_at IS NULL", flowID, userID).
			Update("proof_at", now)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return ErrStale
		}
		return holdEnrollment(tx, userID, flowID)
	})
	if err != nil && err != ErrNotFound && err != ErrStale {
		return fmt.Errorf("use enrollment link: %w", err)
	}
	return err
}

// holdEnrollment reserves the next enrollment of a user for the browser
// of the flow that proved possession.
func holdEnrollment(tx *gorm.DB, userID, flowID string) error {
	return tx.Exec(`UPDATE users SET enroll_hold_browser = (SELECT browser_hash FROM flows WHERE id = ?) WHERE id = ?`,
		flowID, userID).Error
}

// UnusedRecoveryCodes lists a user's unused recovery codes.
func (s *Store) UnusedRecoveryCodes(ctx context.Context, userID string) ([]RecoveryCode, error) {
	var out []RecoveryCode
	err := s.db.WithContext(ctx).Where("user_id = ? AND used_at IS NULL", userID).Order("id").Find(&out).Error
	return out, err
}

// UseRecoveryCode marks a recovery code used; false when it already was.
func (s *Store) UseRecoveryCode(ctx context.Context, id string) (bool, error) {
	res := s.db.WithContext(ctx).Model(&RecoveryCode{}).Where("id = ? AND used_at IS NULL", id).Update("used_at", s.now())
	if res.Error != nil {
		return false, fmt.Errorf("use recovery code: %w", res.Error)
	}
	return res.RowsAffected == 1, nil
}

// CreateLinkToken stores an emailed link's token (already hashed).
func (s *Store) CreateLinkToken(ctx context.Context, t *LinkToken) error {
	if t.ID == "" {
		t.ID = newRowID()
	}
	if err := s.db.WithContext(ctx).Create(t).Error; err != nil {
		return fmt.Errorf("create link token: %w", err)
	}
	return nil
}

// ConsumeLinkToken uses a link token once: it returns the token's row if
// it was unused and unexpired, and marks it used in the same statement's
// effect; any later attempt gets ErrNotFound.
func (s *Store) ConsumeLinkToken(ctx context.Context, hash, purpose string) (*LinkToken, error) {
	if !lookupable(hash) {
		return nil, ErrNotFound
	}
	now := s.now()
	res := s.db.WithContext(ctx).Model(&LinkToken{}).
		Where("token_hash = ? AND purpose = ? AND used_at IS NULL AND expires_at > ?", hash, purpose, now).
		Update("used_at", now)
	if res.Error != nil {
		return nil, fmt.Errorf("use link token: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return nil, ErrNotFound
	}
	var t LinkToken
	if err := s.db.WithContext(ctx).First(&t, "token_hash = ?", hash).Error; err != nil {
		return nil, notFound(err)
	}
	return &t, nil
}

// PeekLinkToken returns an unused, unexpired link token without using it.
func (s *Store) PeekLinkToken(ctx context.Context, hash, purpose string) (*LinkToken, error) {
	if !lookupable(hash) {
		return nil, ErrNotFound
	}
	var t LinkToken
	err := s.db.WithContext(ctx).First(&t, "token_hash = ? AND purpose = ? AND used_at IS NULL AND expires_at > ?",
		hash, purpose, s.now()).Error
	if err != nil {
		return nil, notFound(err)
	}
	return &t, nil
}

// FlowAwaitingProof returns the newest unfinished, unexpired flow of a
// browser in which userID has passed the first factor: where an emailed
// enrollment-proof link opened in that browser applies.
func (s *Store) FlowAwaitingProof(ctx context.Context, browserHash, userID string) (*Flow, error) {
	if browserHash == "" || !lookupable(browserHash) || !lookupable(userID) {
		return nil, ErrNotFound
	}
	var f Flow
	err := s.db.WithContext(ctx).
		Where("browser_hash = ? AND user_id = ? AND done_at IS NULL AND (password_at IS NOT NULL OR first_factor <> '') AND proof_at IS NULL AND expires_at > ?",
			browserHash, userID, s.now()).
		Order("created_at DESC").First(&f).Error
	if err != nil {
		return nil, notFound(err)
	}
	return &f, nil
}

// AppliesTo reports whether the link may be used by userID's sign-in
// flowID: always the link's account, and for a reset link the sign-in
// that asked for it (a proof link names no sign-in).
func (t *LinkToken) AppliesTo(userID, flowID string) bool {
	return t.UserID == userID && (t.FlowID == "" || t.FlowID == flowID)
}

// IssueLinkCode stores the code an emailed reset link (hash linkHash,
// still live) showed in another browser: t, of purpose LinkCode. The
// flow's earlier codes die with it, in one transaction; the link itself
// keeps working in its own browser (either ends the step they prove).
func (s *Store) IssueLinkCode(ctx context.Context, linkHash string, t *LinkToken) error {
	if !lookupable(linkHash, t.FlowID) {
		return ErrNotFound
	}
	if t.ID == "" {
		t.ID = newRowID()
	}
	now := s.now()
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var live int64
		if err := tx.Model(&LinkToken{}).
			Where("token_hash = ? AND purpose = ? AND flow_id = ? AND used_at IS NULL AND expires_at > ?", linkHash, LinkReset, t.FlowID, now).
			Count(&live).Error; err != nil {
			return fmt.Errorf("check reset link: %w", err)
		}
		if live == 0 {
			return ErrNotFound
		}
		if err := tx.Model(&LinkToken{}).Where("flow_id = ? AND purpose = ? AND used_at IS NULL", t.FlowID, LinkCode).
			Update("used_at", now).Error; err != nil {
			return fmt.Errorf("void earlier codes: %w", err)
		}
		if err := tx.Create(t).Error; err != nil {
			return fmt.Errorf("store reset code: %w", err)
		}
		return nil
	})
}

// UseLinkCode uses up flowID's live reset code if hash is its hash, in one
// statement; otherwise it counts a wrong try against the live code, which
// dies at maxTries. It reports whether the code was right.
func (s *Store) UseLinkCode(ctx context.Context, flowID, hash string, maxTries int) (bool, error) {
	if !lookupable(flowID, hash) {
		return false, nil
	}
	now := s.now()
	live := "flow_id = ? AND purpose = ? AND used_at IS NULL AND expires_at > ? AND tries < ?"
	res := s.db.WithContext(ctx).Model(&LinkToken{}).Where(live+" AND token_hash = ?", flowID, LinkCode, now, maxTries, hash).
		Update("used_at", now)
	if res.Error != nil {
		return false, fmt.Errorf("use reset code: %w", res.Error)
	}
	if res.RowsAffected == 1 {
		return true, nil
	}
	if err := s.db.WithContext(ctx).Model(&LinkToken{}).Where(live, flowID, LinkCode, now, maxTries).
		Update("tries", gorm.Expr("tries + 1")).Error; err != nil {
		return false, fmt.Errorf("count reset code try: %w", err)
	}
	return false, nil
}

// refuseLocked is ErrStale, inside tx, when the account is locked for
// passcodes: a change that a passcode or a recovery code proved does not
// outlive a lock applied meanwhile.
func refuseLocked(tx *gorm.DB, userID string) error {
	var locked int64
	if err := tx.Model(&User{}).Where("id = ? AND otp_locked = TRUE", userID).Count(&locked).Error; err != nil {
		return err
	}
	if locked > 0 {
		return ErrStale
	}
	return nil
}
