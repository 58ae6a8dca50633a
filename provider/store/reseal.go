package store

import (
	"context"
	"errors"
	"fmt"

	"gorm.io/gorm"
)

// SealedKind names a column that holds sealed (encrypted) data.
type SealedKind string

// The sealed columns, in the order ResealAll visits them.
const (
	SealedDeviceSecret  SealedKind = "device secret"             // devices.secret
	SealedSigningKey    SealedKind = "signing key"               // signing_keys.private_key
	SealedPendingSecret SealedKind = "pending enrollment secret" // flows.pending_secret
	SealedPendingCodes  SealedKind = "pending recovery codes"    // flows.pending_codes
	SealedClientSecret  SealedKind = "client secret"             // clients.secret_sealed
)

// SealedKinds lists every kind, in the order ResealAll visits them.
var SealedKinds = []SealedKind{SealedDeviceSecret, SealedSigningKey, SealedPendingSecret, SealedPendingCodes, SealedClientSecret}

// SealedValue is one sealed value with what its associated data is made
// of: the row's id, and for a device its user's id.
type SealedValue struct {
	Kind   SealedKind
	ID     string
	UserID string // devices only
	Sealed []byte
}

// ResealCount counts what ResealAll did with one kind.
type ResealCount struct {
	// Resealed values were replaced with what the callback returned.
	Resealed int
	// Unchanged values were left as they were (the callback returned nil),
	// or were changed by someone else while the walk ran.
	Unchanged int
}

// ResealCounts is a ResealCount per kind.
type ResealCounts map[SealedKind]ResealCount

// defaultResealBatch is how many rows ResealAll reads at once.
const defaultResealBatch = 500

// ResealAll hands every sealed value to reseal and stores the bytes it
// returns (nil leaves the value as it is), all in one transaction: when
// reseal fails, or anything else does, or the process dies, every value
// stays as it was. The store knows no cryptography; reseal does.
//
// Each value is replaced only if it still holds the bytes that were read,
// so a value another replica rewrote meanwhile (a new pending secret) is
// kept, not overwritten with a re-sealed stale one; it counts as Unchanged.
// Rows added meanwhile are not visited: running again visits them.
func (s *Store) ResealAll(ctx context.Context, reseal func(SealedValue) ([]byte, error)) (ResealCounts, error) {
	counts := ResealCounts{}
	// Client rows hold sealed secrets: none read before the walk is used after it.
	defer s.clients.forget("")
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if s.postgres {
			// Serialise with signing-key rotations, so no key is added
			// under the old encryption key while the walk runs.
			if err := tx.Exec("SELECT pg_advisory_xact_lock(?)", signingKeyLockID).Error; err != nil {
				return err
			}
		}
		for _, kind := range SealedKinds {
			c, err := s.resealKind(tx, kind, reseal)
			if err != nil {
				return err
			}
			counts[kind] = c
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("re-seal: %w", err)
	}
	return counts, nil
}

// sealedColumn says where a kind lives.
type sealedColumn struct {
	table, column, userColumn string
}

var sealedColumns = map[SealedKind]sealedColumn{
	SealedDeviceSecret:  {"devices", "secret", "user_id"},
	SealedSigningKey:    {"signing_keys", "private_key", ""},
	SealedPendingSecret: {"flows", "pending_secret", ""},
	SealedPendingCodes:  {"flows", "pending_codes", ""},
	SealedClientSecret:  {"clients", "secret_sealed", ""},
}

// sealedRow is one row as resealKind reads it.
type sealedRow struct {
	ID     string
	UserID string
	Sealed []byte
}

// resealKind walks one column in id order, a batch at a time.
func (s *Store) resealKind(tx *gorm.DB, kind SealedKind, reseal func(SealedValue) ([]byte, error)) (ResealCount, error) {
	col, ok := sealedColumns[kind]
	if !ok {
		return ResealCount{}, errors.New("unknown sealed kind " + string(kind))
	}
	batch := s.resealBatch
	if batch <= 0 {
		batch = defaultResealBatch
	}
	user := "''"
	if col.userColumn != "" {
		user = col.userColumn
	}
	var count ResealCount
	after := ""
	for {
		var rows []sealedRow
		err := tx.Table(col.table).
			Select("id, "+user+" AS user_id, "+col.column+" AS sealed").
			Where("id > ? AND "+col.column+" IS NOT NULL", after).
			Order("id").Limit(batch).Scan(&rows).Error
		if err != nil {
			return count, fmt.Errorf("read %s: %w", kind, err)
		}
		for _, r := range rows {
			fresh, err := reseal(SealedValue{Kind: kind, ID: r.ID, UserID: r.UserID, Sealed: r.Sealed})
			if err != nil {
				return count, err
			}
			if fresh == nil {
				count.Unchanged++
				continue
			}
			res := tx.Table(col.table).Where("id = ? AND "+col.column+" = ?", r.ID, r.Sealed).
				Update(col.column, fresh)
			if res.Error != nil {
				return count, fmt.Errorf("write %s %s: %w", kind, r.ID, res.Error)
			}
			if res.RowsAffected == 1 {
				count.Resealed++
			} else {
				count.Unchanged++
			}
		}
		if len(rows) < batch {
			return count, nil
		}
		after = rows[len(rows)-1].ID
	}
}
