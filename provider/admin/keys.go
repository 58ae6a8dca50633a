package admin

import (
	"context"
	"fmt"
	"strings"

	"github.com/otpgate/otpgate/provider/protocol"
	"github.com/otpgate/otpgate/provider/store"
)

// Keyring is the signing keys an administrator lists and rotates;
// *protocol.Keys is one. The serving process passes its own, so that a
// rotation is used at once; the CLI passes one on the same database.
type Keyring interface {
	List(ctx context.Context) ([]protocol.KeyInfo, error)
	EnsureKey(ctx context.Context) error
	Rotate(ctx context.Context) ([]protocol.KeyInfo, error)
}

// KeyRotation is what RotateKeys did.
type KeyRotation struct {
	// Keys are the new keys, one per algorithm.
	Keys []protocol.KeyInfo
	// First is true when they are the database's first keys: they sign at
	// once. Otherwise they are published now and sign after the
	// keyring's activation delay; older keys stay published until their
	// tokens expire.
	First bool
}

// SigningKeys describes every stored signing key (public facts only).
func (s *Service) SigningKeys(ctx context.Context, k Keyring) ([]protocol.KeyInfo, error) {
	keys, err := k.List(ctx)
	if err != nil {
		return nil, fmt.Errorf("list signing keys: %w", err)
	}
	return keys, nil
}

// RotateKeys makes a new signing key per algorithm (the first ones on a
// database without keys) and records it in the audit log.
func (s *Service) RotateKeys(ctx context.Context, actor string, k Keyring) (*KeyRotation, error) {
	if err := checkActor(actor); err != nil {
		return nil, err
	}
	before, err := k.List(ctx)
	if err != nil {
		return nil, fmt.Errorf("list signing keys: %w", err)
	}
	res := &KeyRotation{First: len(before) == 0}
	// On a database without keys the first keys are the rotation: a second
	// set straight away would publish keys that never signed anything. A
	// database of a release that had RS256 keys only gets its first keys
	// of the other algorithms here, which the rotation then replaces.
	err = s.run(ctx, actor, change{
		apply: func(ctx context.Context) error {
			if err := k.EnsureKey(ctx); err != nil {
				return fmt.Errorf("first signing keys: %w", err)
			}
			if res.First {
				after, err := k.List(ctx)
				if err != nil || len(after) == 0 {
					return fmt.Errorf("first signing keys not stored: %v", err)
				}
				res.Keys = after
				return nil
			}
			added, err := k.Rotate(ctx)
			res.Keys = added
			return err
		},
		event: store.AuditEvent{Event: store.EventAdminKeys},
		describe: func() string {
			if res.First {
				return "first signing keys " + KeyList(res.Keys) + " created and active"
			}
			return "new signing keys " + KeyList(res.Keys) + " active; older keys stay published until their tokens expire"
		},
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

// KeyList names keys with their algorithms: "abc (RS256), def (ES256)".
func KeyList(keys []protocol.KeyInfo) string {
	names := make([]string, len(keys))
	for i, k := range keys {
		names[i] = k.ID + " (" + k.Algorithm + ")"
	}
	return strings.Join(names, ", ")
}

// KeyState is a key's part in signing: "signing" (it signs new tokens),
// "next" (published, signs from SignsFrom), "published" (retired, still
// verifies the tokens it signed) or "retired" (no longer published).
func KeyState(k protocol.KeyInfo) string {
	switch {
	case k.Signing:
		return "signing"
	case k.RetiredAt == nil:
		return "next"
	case k.Published:
		return "published"
	}
	return "retired"
}
