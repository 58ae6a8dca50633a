package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// The two reads every token request and every userinfo request make are
// scanned by hand: gorm's reflection over the columns costs more than the
// statement itself there.

// tokenUserColumns are the user columns a token read joins (claimColumns).
const tokenUserColumns = "users.id, users.username, users.email, users.name, users.given_name, users.family_name, " +
	"users.disabled, users.updated_at"

// accessTokenRead is an access token's columns with its user's.
const accessTokenRead = "SELECT access_tokens.id, access_tokens.grant_id, access_tokens.refresh_token_id, " +
	"access_tokens.client_id, access_tokens.user_id, access_tokens.scopes, access_tokens.audience, " +
	"access_tokens.created_at, access_tokens.expires_at, access_tokens.revoked_at, " + tokenUserColumns +
	" FROM access_tokens LEFT JOIN users ON users.id = access_tokens.user_id" +
	" WHERE access_tokens.id = ? AND access_tokens.revoked_at IS NULL AND access_tokens.expires_at > ?"

// refreshTokenRead is a refresh token's columns with its user's.
const refreshTokenRead = "SELECT refresh_tokens.id, refresh_tokens.token_hash, refresh_tokens.family_id, " +
	"refresh_tokens.grant_id, refresh_tokens.client_id, refresh_tokens.user_id, refresh_tokens.scopes, " +
	"refresh_tokens.audience, refresh_tokens.amr, refresh_tokens.acr, refresh_tokens.idp, refresh_tokens.auth_time, " +
	"refresh_tokens.created_at, refresh_tokens.expires_at, refresh_tokens.used_at, refresh_tokens.revoked_at, " +
	tokenUserColumns + " FROM refresh_tokens LEFT JOIN users ON users.id = refresh_tokens.user_id" +
	" WHERE refresh_tokens.token_hash = ?"

// joinedUser receives the user columns of a token read (NULL when the
// account no longer exists).
type joinedUser struct {
	id, username, email, name, given, family sql.NullString
	disabled                                 sql.NullBool
	updated                                  nullTime
}

func (j *joinedUser) dest() []any {
	return []any{&j.id, &j.username, &j.email, &j.name, &j.given, &j.family, &j.disabled, &j.updated}
}

// user is the account read, or nil.
func (j *joinedUser) user() *User {
	if !j.id.Valid {
		return nil
	}
	u := &User{ID: j.id.String, Username: j.username.String, Email: j.email.String, Name: j.name.String,
		GivenName: j.given.String, FamilyName: j.family.String, Disabled: j.disabled.Bool}
	if j.updated.t != nil {
		u.UpdatedAt = *j.updated.t
	}
	return u
}

// readAccessToken reads a live access token and its user in one
// statement.
func (s *Store) readAccessToken(ctx context.Context, id string) (*AccessToken, *User, error) {
	var (
		at                        AccessToken
		ju                        joinedUser
		created, expires, revoked nullTime
	)
	row := s.db.WithContext(ctx).Raw(accessTokenRead, id, s.now()).Row()
	dest := append([]any{&at.ID, &at.GrantID, &at.RefreshTokenID, &at.ClientID, &at.UserID, &at.Scopes, &at.Audience,
		&created, &expires, &revoked}, ju.dest()...)
	if err := scanRow(row, dest); err != nil {
		return nil, nil, err
	}
	at.CreatedAt, at.ExpiresAt, at.RevokedAt = created.value(), expires.value(), revoked.t
	return &at, ju.user(), nil
}

// readRefreshToken reads a refresh token and its user in one statement.
func (s *Store) readRefreshToken(ctx context.Context, hash string) (*RefreshToken, *User, error) {
	var (
		rt                                    RefreshToken
		ju                                    joinedUser
		auth, created, expires, used, revoked nullTime
	)
	row := s.db.WithContext(ctx).Raw(refreshTokenRead, hash).Row()
	dest := append([]any{&rt.ID, &rt.TokenHash, &rt.FamilyID, &rt.GrantID, &rt.ClientID, &rt.UserID, &rt.Scopes,
		&rt.Audience, &rt.AMR, &rt.ACR, &rt.IDP, &auth, &created, &expires, &used, &revoked}, ju.dest()...)
	if err := scanRow(row, dest); err != nil {
		return nil, nil, err
	}
	rt.AuthTime, rt.CreatedAt, rt.ExpiresAt, rt.UsedAt, rt.RevokedAt = auth.value(), created.value(), expires.value(), used.t, revoked.t
	return &rt, ju.user(), nil
}

func scanRow(row *sql.Row, dest []any) error {
	if row == nil {
		return errors.New("read token: no row")
	}
	err := row.Scan(dest...)
	if errors.Is(err, sql.ErrNoRows) {
		return ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("read token: %w", err)
	}
	return nil
}

// nullTime scans a time column as either driver gives it: PostgreSQL's
// time.Time, SQLite's time.Time or text; NULL leaves t nil.
type nullTime struct{ t *time.Time }

// sqliteTimeLayouts are the text forms of times the SQLite driver writes
// and reads.
var sqliteTimeLayouts = []string{"2006-01-02 15:04:05.999999999-07:00", time.RFC3339Nano, "2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04:05.999999999", "2006-01-02 15:04:05", "2006-01-02"}

func (n *nullTime) Scan(v any) error {
	switch x := v.(type) {
	case nil:
		n.t = nil
		return nil
	case time.Time:
		n.t = &x
		return nil
	case string:
		return n.parse(x)
	case []byte:
		return n.parse(string(x))
	}
	return fmt.Errorf("scan time: unsupported %T", v)
}

func (n *nullTime) parse(s string) error {
	for _, layout := range sqliteTimeLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			n.t = &t
			return nil
		}
	}
	return fmt.Errorf("scan time: unreadable %q", s)
}

func (n nullTime) value() time.Time {
	if n.t == nil {
		return time.Time{}
	}
	return *n.t
}
