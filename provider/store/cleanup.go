package store

import (
	"context"
	"fmt"
	"time"
)

// DeleteExpired removes flows, sessions and tokens that expired more than
// retention ago. Redeemed codes and used refresh tokens are kept for the
// retention so that a replay is still recognised and punished.
func (s *Store) DeleteExpired(ctx context.Context, retention time.Duration) error {
	before := s.now().Add(-retention)
	db := s.db.WithContext(ctx)
	for _, m := range []any{&Flow{}, &Session{}, &AccessToken{}, &RefreshToken{}, &RememberedBrowser{}} {
		if err := db.Where("expires_at < ?", before).Delete(m).Error; err != nil {
			return fmt.Errorf("delete expired: %w", err)
		}
	}
	if err := db.Where("window_start < ?", before.Unix()).Delete(&AddressFailure{}).Error; err != nil {
		return fmt.Errorf("delete expired address failures: %w", err)
	}
	return nil
}
