package store

import "context"

// UpdateUser applies fields (column name → value) to one user.
//
// Deprecated: use the typed mutations (SetUserPassword, SetUserDisabled,
// SetUserRequireMFA, FinishSetup, the lockout and reset methods). No
// production code calls it; it stays only until provider's end-to-end
// tests, owned elsewhere, move to the typed methods, and then goes.
func (s *Store) UpdateUser(ctx context.Context, id string, fields map[string]any) error {
	return s.updateUser(ctx, id, "update user", fields)
}
