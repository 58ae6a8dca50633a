package admin

import (
	"context"
	"errors"
	"fmt"

	"github.com/otpgate/otpgate/provider/store"
)

// DeviceStatus is a user's authenticator as an administrator may see it:
// never its secret.
type DeviceStatus struct {
	// Device is nil when none is enrolled.
	Device *store.Device
	// RecoveryCodesLeft counts the unused recovery codes.
	RecoveryCodesLeft int64
}

// Device returns the status of a user's authenticator.
func (s *Service) Device(ctx context.Context, u *store.User) (*DeviceStatus, error) {
	d, err := s.store.DeviceByUser(ctx, u.ID)
	if errors.Is(err, store.ErrNotFound) {
		return &DeviceStatus{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("load device: %w", err)
	}
	left, err := s.store.CountRecoveryCodes(ctx, u.ID)
	if err != nil {
		return nil, fmt.Errorf("count recovery codes: %w", err)
	}
	d.Secret = nil // sealed, but still not for display
	return &DeviceStatus{Device: d, RecoveryCodesLeft: left}, nil
}
