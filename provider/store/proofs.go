package store

import (
	"context"
	"fmt"
	"time"
)

// ReserveProofAttempt reserves one check of an administrator's enrollment
// proof for userID: at most max checks in any window that starts with the
// first check after the previous window ended. Wrong proofs are throttled
// this way instead of counting toward the passcode lock, so guessing them
// never locks the owner out and never voids the proof (which is long
// enough that max guesses a window cannot find it). One conditional
// statement decides, so racing requests never check more than max; ok is
// false when the window is full.
func (s *Store) ReserveProofAttempt(ctx context.Context, userID string, max int, window time.Duration) (bool, error) {
	if !lookupable(userID) {
		return false, ErrNotFound
	}
	now := s.now().Unix()
	cutoff := now - int64(window/time.Second)
	res := s.db.WithContext(ctx).Exec(`UPDATE users SET
		proof_failures = CASE WHEN proof_window_start <= ? THEN 1 ELSE proof_failures + 1 END,
		proof_window_start = CASE WHEN proof_window_start <= ? THEN ? ELSE proof_window_start END
		WHERE id = ? AND (proof_window_start <= ? OR proof_failures < ?)`,
		cutoff, cutoff, now, userID, cutoff, max)
	if res.Error != nil {
		return false, fmt.Errorf("reserve proof attempt: %w", res.Error)
	}
	return res.RowsAffected == 1, nil
}
