package store

import (
	"context"
	"errors"
	"fmt"

	"gorm.io/gorm"
)

// DeviceByUser returns the user's enrolled device.
func (s *Store) DeviceByUser(ctx context.Context, userID string) (*Device, error) {
	if !lookupable(userID) {
		return nil, ErrNotFound
	}
	var d Device
	if err := s.db.WithContext(ctx).First(&d, "user_id = ?", userID).Error; err != nil {
		return nil, notFound(err)
	}
	return &d, nil
}

// AdvanceStep records step as the device's last accepted TOTP step if,
// and only if, the stored step is lower: one conditional UPDATE, so of two
// requests (or replicas) presenting the same code exactly one wins.
func (s *Store) AdvanceStep(ctx context.Context, deviceID string, step int64) (bool, error) {
	return s.advanceStep(s.db.WithContext(ctx), deviceID, step)
}

func (s *Store) advanceStep(db *gorm.DB, deviceID string, step int64) (bool, error) {
	res := db.Model(&Device{}).
		Where("id = ? AND last_step < ?", deviceID, step).
		Updates(map[string]any{"last_step": step, "last_used_at": s.now()})
	if res.Error != nil {
		return false, fmt.Errorf("advance step: %w", res.Error)
	}
	return res.RowsAffected == 1, nil
}

// Enrollment is what EnrollDevice writes at once.
type Enrollment struct {
	FlowID string
	Device *Device
	// CodeHashes are the hashes of the new recovery codes; SealedCodes is
	// their plain text, sealed, kept on the flow until shown.
	CodeHashes  []string
	SealedCodes []byte
}

// EnrollDevice stores a verified device and its recovery codes and marks
// the flow enrolled (clearing its pending secret), in one transaction. The
// flow's pending secret must still be in place (so a second, concurrent
// verification cannot enrol twice), and the user must have no device
// (ErrConflict).
func (s *Store) EnrollDevice(ctx context.Context, e Enrollment) error {
	now := s.now()
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Model(&Flow{}).
			Where("id = ? AND enrolled_at IS NULL AND pending_secret IS NOT NULL AND done_at IS NULL", e.FlowID).
			Updates(map[string]any{"enrolled_at": now, "otp_at": now, "pending_secret": nil,
				"pending_attempts": 0, "pending_expires_at": nil, "pending_codes": e.SealedCodes})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return ErrStale
		}
		if err := tx.Create(e.Device).Error; err != nil {
			return conflict(err)
		}
		if err := tx.Model(&User{}).Where("id = ?", e.Device.UserID).Update("enroll_hold_browser", "").Error; err != nil {
			return err
		}
		// No browser remembered for an earlier device skips the new one.
		if err := forgetBrowsers(tx, e.Device.UserID); err != nil {
			return err
		}
		return replaceRecoveryCodes(tx, e.Device.UserID, e.CodeHashes, now)
	})
	if err != nil && !errors.Is(err, ErrStale) && !errors.Is(err, ErrConflict) {
		return fmt.Errorf("enroll device: %w", err)
	}
	return err
}

func replaceRecoveryCodes(tx *gorm.DB, userID string, hashes []string, now any) error {
	if err := tx.Where("user_id = ?", userID).Delete(&RecoveryCode{}).Error; err != nil {
		return err
	}
	for _, h := range hashes {
		rc := &RecoveryCode{ID: newRowID(), UserID: userID, CodeHash: h}
		if err := tx.Create(rc).Error; err != nil {
			return err
		}
	}
	return nil
}

// CountRecoveryCodes returns how many unused recovery codes a user has.
func (s *Store) CountRecoveryCodes(ctx context.Context, userID string) (int64, error) {
	var n int64
	err := s.db.WithContext(ctx).Model(&RecoveryCode{}).Where("user_id = ? AND used_at IS NULL", userID).Count(&n).Error
	return n, err
}

// SetDeviceSecret replaces a device's sealed secret (used when the secrets
// are re-encrypted under a new encryption key).
func (s *Store) SetDeviceSecret(ctx context.Context, deviceID string, sealed []byte) error {
	res := s.db.WithContext(ctx).Model(&Device{}).Where("id = ?", deviceID).Update("secret", sealed)
	if res.Error != nil {
		return fmt.Errorf("set device secret: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return ErrNotFound
	}
	return nil
}

// UsersWithDevice is the set of the ids of users who have a device.
func (s *Store) UsersWithDevice(ctx context.Context) (map[string]bool, error) {
	var ids []string
	if err := s.db.WithContext(ctx).Model(&Device{}).Distinct().Pluck("user_id", &ids).Error; err != nil {
		return nil, fmt.Errorf("users with a device: %w", err)
	}
	set := make(map[string]bool, len(ids))
	for _, id := range ids {
		set[id] = true
	}
	return set, nil
}
