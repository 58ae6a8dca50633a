package store

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"gorm.io/gorm"
	"gorm.io/gorm/schema"
)

// joinedColumns lists a model's columns as "table.col AS prefixcol", for
// one statement that reads rows of several tables (a LEFT JOIN) into a
// struct whose fields embed each model with that prefix.
func joinedColumns(db *gorm.DB, model any, table, prefix string) string {
	key := table + "|" + prefix
	if v, ok := columnLists.Load(key); ok {
		return v.(string)
	}
	s, err := schema.Parse(model, &sync.Map{}, db.NamingStrategy)
	if err != nil {
		panic(fmt.Sprintf("store: parse %T: %v", model, err))
	}
	cols := make([]string, 0, len(s.DBNames))
	for _, c := range s.DBNames {
		cols = append(cols, table+"."+c+" AS "+prefix+c)
	}
	list := strings.Join(cols, ", ")
	columnLists.Store(key, list)
	return list
}

var columnLists sync.Map

// journeyRow is a flow with its user and the user's device, read at once.
type journeyRow struct {
	Flow   Flow   `gorm:"embedded;embeddedPrefix:f_"`
	User   User   `gorm:"embedded;embeddedPrefix:u_"`
	Device Device `gorm:"embedded;embeddedPrefix:d_"`
}

// userDevice is a user with its device, read at once.
type userDevice struct {
	User   User   `gorm:"embedded;embeddedPrefix:u_"`
	Device Device `gorm:"embedded;embeddedPrefix:d_"`
}

// userAndDevice turns a joined read's parts into pointers: a part whose key is
// empty was not there (the LEFT JOIN found nothing).
func userAndDevice(u *User, d *Device) (*User, *Device) {
	if u.ID == "" {
		return nil, nil
	}
	if d.ID == "" {
		return u, nil
	}
	return u, d
}

// JourneyRows loads a flow, the user it identified (nil when none, or
// when that account no longer exists) and the user's device (nil when
// none), in one statement: every request of a sign-in needs all three.
func (s *Store) JourneyRows(ctx context.Context, flowID string) (*Flow, *User, *Device, error) {
	if !lookupable(flowID) {
		return nil, nil, nil, ErrNotFound
	}
	q := "SELECT " + joinedColumns(s.db, &Flow{}, "flows", "f_") + ", " +
		joinedColumns(s.db, &User{}, "users", "u_") + ", " + joinedColumns(s.db, &Device{}, "devices", "d_") +
		" FROM flows LEFT JOIN users ON users.id = flows.user_id AND flows.user_id <> ''" +
		" LEFT JOIN devices ON devices.user_id = users.id WHERE flows.id = ?"
	var rows []journeyRow
	if err := s.db.WithContext(ctx).Raw(q, flowID).Scan(&rows).Error; err != nil {
		return nil, nil, nil, err
	}
	if len(rows) == 0 {
		return nil, nil, nil, ErrNotFound
	}
	r := &rows[0]
	u, d := userAndDevice(&r.User, &r.Device)
	return &r.Flow, u, d, nil
}

// journeyNamedRow is a journeyRow with the account a name names.
type journeyNamedRow struct {
	Flow   Flow   `gorm:"embedded;embeddedPrefix:f_"`
	User   User   `gorm:"embedded;embeddedPrefix:u_"`
	Device Device `gorm:"embedded;embeddedPrefix:d_"`
	Named  User   `gorm:"embedded;embeddedPrefix:n_"`
}

// JourneyRowsNaming is JourneyRows that also reads, in the same statement,
// the account username names (nil when none): the password step needs
// both.
func (s *Store) JourneyRowsNaming(ctx context.Context, flowID, username string) (*Flow, *User, *Device, *User, error) {
	if !lookupable(flowID) {
		return nil, nil, nil, nil, ErrNotFound
	}
	if !lookupable(username) {
		// A name no account can have names none.
		f, u, d, err := s.JourneyRows(ctx, flowID)
		return f, u, d, nil, err
	}
	q := "SELECT " + joinedColumns(s.db, &Flow{}, "flows", "f_") + ", " +
		joinedColumns(s.db, &User{}, "users", "u_") + ", " + joinedColumns(s.db, &Device{}, "devices", "d_") + ", " +
		joinedColumns(s.db, &User{}, "n", "n_") +
		" FROM flows LEFT JOIN users ON users.id = flows.user_id AND flows.user_id <> ''" +
		" LEFT JOIN devices ON devices.user_id = users.id LEFT JOIN users n ON n.username = ? WHERE flows.id = ?"
	var rows []journeyNamedRow
	if err := s.db.WithContext(ctx).Raw(q, NormalizeUsername(username), flowID).Scan(&rows).Error; err != nil {
		return nil, nil, nil, nil, err
	}
	if len(rows) == 0 {
		return nil, nil, nil, nil, ErrNotFound
	}
	r := &rows[0]
	u, d := userAndDevice(&r.User, &r.Device)
	named := &r.Named
	if named.ID == "" {
		named = nil
	}
	return &r.Flow, u, d, named, nil
}

// UserWithDevice loads a user and its device (nil when none) in one
// statement.
func (s *Store) UserWithDevice(ctx context.Context, userID string) (*User, *Device, error) {
	if !lookupable(userID) {
		return nil, nil, ErrNotFound
	}
	q := "SELECT " + joinedColumns(s.db, &User{}, "users", "u_") + ", " + joinedColumns(s.db, &Device{}, "devices", "d_") +
		" FROM users LEFT JOIN devices ON devices.user_id = users.id WHERE users.id = ?"
	var rows []userDevice
	if err := s.db.WithContext(ctx).Raw(q, userID).Scan(&rows).Error; err != nil {
		return nil, nil, err
	}
	if len(rows) == 0 {
		return nil, nil, ErrNotFound
	}
	u, d := userAndDevice(&rows[0].User, &rows[0].Device)
	return u, d, nil
}

// tokenUser is a token row with the user it was issued to.
type tokenUser[T any] struct {
	Token T    `gorm:"embedded;embeddedPrefix:t_"`
	User  User `gorm:"embedded;embeddedPrefix:u_"`
}

// claimColumns are the user columns a token request needs: who, whether
// the account is enabled, and the claims its tokens carry.
const claimColumns = "users.id AS u_id, users.username AS u_username, users.email AS u_email, users.name AS u_name, " +
	"users.given_name AS u_given_name, users.family_name AS u_family_name, " +
	"users.disabled AS u_disabled, users.updated_at AS u_updated_at"

// tokenWithUser reads one token row of table (model T) matching where,
// with its user (nil when the account no longer exists), in one statement.
// Of the user only claimColumns are read: the token endpoints' hot path
// reads no lockout counters or hashes.
func tokenWithUser[T any](ctx context.Context, s *Store, table, where string, args ...any) (*T, *User, error) {
	var model T
	q := "SELECT " + joinedColumns(s.db, &model, table, "t_") + ", " + claimColumns +
		" FROM " + table + " LEFT JOIN users ON users.id = " + table + ".user_id WHERE " + where
	var rows []tokenUser[T]
	if err := s.db.WithContext(ctx).Raw(q, args...).Scan(&rows).Error; err != nil {
		return nil, nil, err
	}
	if len(rows) == 0 {
		return nil, nil, ErrNotFound
	}
	u := &rows[0].User
	if u.ID == "" {
		u = nil
	}
	return &rows[0].Token, u, nil
}
