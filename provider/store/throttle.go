package store

import (
	"context"
	"fmt"
	"time"

	"github.com/otpgate/otpgate/mfa"
)

// A budget is one set of password/answer counters: the account's own row
// (the budget of browsers that are not known browsers of it), a known
// browser's row, or the row of a name that is no account. Every budget has
// the same columns (login_failures, login_lock_level, login_locked_until,
// login_reserved_at) and is changed by the same single conditional
// statements, so the rules are written once; the account's and a name's
// rows also count unknown_failures toward the bound.
type Budget struct {
	table string
	key   string // the condition naming the row, with args
	args  []any
	// bound: the row counts consecutive failures toward the bound.
	bound bool
}

// AccountBudget is the budget of every browser that is not a known
// browser of the account; it counts toward the bound.
func AccountBudget(userID string) Budget {
	return Budget{table: "users", key: "id = ?", args: []any{userID}, bound: true}
}

// BrowserBudget is the own budget of a known browser of an account (its
// device cookie's hash); it never counts toward the bound.
func BrowserBudget(userID, tokenHash string) Budget {
	return Budget{table: "known_browsers", key: "user_id = ? AND token_hash = ?", args: []any{userID, tokenHash}}
}

// NameBudget is the budget of a name that is no enabled account (nameHash
// is the HMAC of the normalised name): the same rules as AccountBudget.
func NameBudget(nameHash string) Budget {
	return Budget{table: "login_throttles", key: "name_hash = ?", args: []any{nameHash}, bound: true}
}

// accountOnly is the account's row without the bound, as the counters
// worked before budgets (kept for the account-only helpers below).
func accountOnly(userID string) Budget {
	return Budget{table: "users", key: "id = ?", args: []any{userID}}
}

// LoginPolicy is how a budget is spent.
type LoginPolicy struct {
	Lockout mfa.Lockout
	// Decay: each full Decay without a checked attempt lowers the lock
	// level by one and forgets the current run (0: never).
	Decay time.Duration
	// Bound: from this many consecutive unknown-browser failures on, the
	// budget refuses attempts (0: not enforced for this attempt, which
	// still counts toward it; an emailed sign-in link was opened).
	Bound int
}

const countersColumns = "login_failures AS failures, login_lock_level AS lock_level, login_locked_until AS locked_until"

func (b Budget) returning() string {
	if b.bound {
		return " RETURNING " + countersColumns + ", unknown_failures AS unknown"
	}
	return " RETURNING " + countersColumns
}

func (b Budget) with(args ...any) []any { return append(append([]any{}, args...), b.args...) }

// Reserve reserves one password or answer check on budget b (see
// ReserveLoginAttempt for the reserve-then-confirm rule). Before that, a
// quiet budget decays by one lock level per full p.Decay. ok is false when
// the budget is locked, at the threshold, or at the bound (AtBound).
func (s *Store) Reserve(ctx context.Context, b Budget, p LoginPolicy) (LoginCounters, bool, error) {
	now := s.now().Unix()
	t := b.table + "."
	// The decay and the reservation are one statement. When a full decay
	// period passed since the last reserved attempt (and the budget is not
	// locked), the run is forgotten and the lock level drops by one per
	// period before this attempt counts; every expression reads the row as
	// it was before the statement.
	set := "login_failures = " + t + "login_failures + 1, login_reserved_at = ?"
	failures := t + "login_failures"
	setArgs := []any{now}
	var failuresArgs []any
	if d := int64(p.Decay / time.Second); d > 0 {
		quiet := "(? - " + t + "login_reserved_at) >= ?"
		periods := "(? - " + t + "login_reserved_at) / ?"
		set = "login_lock_level = CASE WHEN " + quiet + " THEN CASE WHEN " + t + "login_lock_level > " + periods +
			" THEN " + t + "login_lock_level - " + periods + " ELSE 0 END ELSE " + t + "login_lock_level END, " +
			"login_failures = CASE WHEN " + quiet + " THEN 1 ELSE " + t + "login_failures + 1 END, login_reserved_at = ?"
		setArgs = []any{now, d, now, d, now, d, now, d, now}
		failures = "CASE WHEN " + quiet + " THEN 0 ELSE " + t + "login_failures END"
		failuresArgs = []any{now, d}
	}
	cond := " AND " + t + "login_locked_until <= ? AND " + failures + " < ?"
	if b.bound {
		set += ", unknown_failures = " + t + "unknown_failures + 1"
	}
	condArgs := append(append([]any{now}, failuresArgs...), p.Lockout.Threshold)
	if b.bound && p.Bound > 0 {
		cond += " AND " + t + "unknown_failures < ?"
		condArgs = append(condArgs, p.Bound)
	}
	var (
		stmt string
		args []any
	)
	if b.table == "login_throttles" {
		// A name's row is made by its first attempt, in the same statement,
		// so that a name costs the statements an account does.
		stmt = `INSERT INTO login_throttles (name_hash, login_failures, login_reserved_at, unknown_failures)
			VALUES (?, 1, ?, 1) ON CONFLICT (name_hash) DO UPDATE SET ` + set + " WHERE TRUE" + cond + b.returning()
		args = append(append(append(append([]any{}, b.args...), now), setArgs...), condArgs...)
	} else {
		stmt = "UPDATE " + b.table + " SET " + set + " WHERE " + b.key + cond + b.returning()
		args = append(append(append([]any{}, setArgs...), b.args...), condArgs...)
	}
	var rows []LoginCounters
	err := s.db.WithContext(ctx).Raw(stmt, args...).Scan(&rows).Error
	if err != nil {
		return LoginCounters{}, false, fmt.Errorf("reserve login attempt: %w", err)
	}
	if len(rows) == 1 {
		return rows[0], true, nil
	}
	c, err := s.Counters(ctx, b)
	if err != nil {
		return LoginCounters{}, false, err
	}
	if c.Failures >= p.Lockout.Threshold && !c.LoginLocked(s.now()) {
		locked, err := s.lockBudget(ctx, b, p.Lockout, c.LockLevel, now-staleRunSeconds)
		if err != nil {
			return LoginCounters{}, false, err
		}
		if locked != nil {
			locked.Unknown = c.Unknown
			c = *locked
		}
	}
	c.Refused = true
	c.AtBound = b.bound && p.Bound > 0 && c.Unknown >= p.Bound
	return c, false, nil
}

// Confirm records that a reserved attempt on b was wrong: the attempt
// that reached the threshold locks the budget for l.LockFor(level) and
// starts a new run.
func (s *Store) Confirm(ctx context.Context, b Budget, l mfa.Lockout, reserved LoginCounters) (LoginCounters, error) {
	if reserved.Failures < l.Threshold {
		return reserved, nil
	}
	// Exactly one reservation reaches the threshold; it reports the lock,
	// whichever statement applied it.
	c, err := s.lockBudget(ctx, b, l, reserved.LockLevel, s.now().Unix())
	if err != nil {
		return LoginCounters{}, err
	}
	if c != nil {
		return *c, nil
	}
	return s.Counters(ctx, b)
}

// lockBudget applies the lock at level to a budget whose run of failures
// reached the threshold, whose lock level is still level (the
// compare-and-swap that makes one statement the winner) and whose last
// reservation is not after reservedBefore; nil when there was nothing to
// lock.
func (s *Store) lockBudget(ctx context.Context, b Budget, l mfa.Lockout, level int, reservedBefore int64) (*LoginCounters, error) {
	now := s.now()
	until := now.Add(l.LockFor(level)).Unix()
	var rows []LoginCounters
	err := s.db.WithContext(ctx).Raw("UPDATE "+b.table+` SET
		login_failures = 0, login_locked_until = ?, login_lock_level = login_lock_level + 1
		WHERE `+b.key+` AND login_lock_level = ? AND login_locked_until <= ? AND login_failures >= ? AND login_reserved_at <= ?`+
		b.returning(), append(b.with(until), level, now.Unix(), l.Threshold, reservedBefore)...).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("lock account: %w", err)
	}
	if len(rows) == 0 {
		return nil, nil
	}
	return &rows[0], nil
}

// Release gives back a reservation on b whose password was right while
// the security question is still to come.
func (s *Store) Release(ctx context.Context, b Budget) error {
	set := "login_failures = login_failures - 1"
	if b.bound {
		set += ", unknown_failures = CASE WHEN unknown_failures > 0 THEN unknown_failures - 1 ELSE 0 END"
	}
	err := s.db.WithContext(ctx).Exec("UPDATE "+b.table+" SET "+set+" WHERE "+b.key+" AND login_failures > 0", b.args...).Error
	if err != nil {
		return fmt.Errorf("release login attempt: %w", err)
	}
	return nil
}

// Succeed resets b's count and lock level (only when not locked: a lock
// is never lifted by guessing right) and, on a budget that counts toward
// the bound, that count too. A known browser's success clears the bound
// apart, with ClearUnknownFailures.
func (s *Store) Succeed(ctx context.Context, b Budget) error {
	set, changed := "login_failures = 0, login_lock_level = 0", "login_failures <> 0 OR login_lock_level <> 0"
	if b.bound {
		set, changed = set+", unknown_failures = 0", changed+" OR unknown_failures <> 0"
	}
	err := s.db.WithContext(ctx).Exec("UPDATE "+b.table+" SET "+set+" WHERE "+b.key+" AND login_locked_until <= ? AND ("+changed+")",
		append(b.with(), s.now().Unix())...).Error
	if err != nil {
		return fmt.Errorf("record login success: %w", err)
	}
	return nil
}

// ClearUnknownFailures resets the count of consecutive failures from
// unknown browsers toward the bound (a sign-in from any browser).
func (s *Store) ClearUnknownFailures(ctx context.Context, userID string) error {
	err := s.db.WithContext(ctx).Exec(`UPDATE users SET unknown_failures = 0 WHERE id = ? AND unknown_failures <> 0`, userID).Error
	if err != nil {
		return fmt.Errorf("clear unknown-browser failures: %w", err)
	}
	return nil
}

// Counters reads budget b; a budget without a row (a name never tried)
// is all zero.
func (s *Store) Counters(ctx context.Context, b Budget) (LoginCounters, error) {
	cols := countersColumns
	if b.bound {
		cols += ", unknown_failures AS unknown"
	}
	var rows []LoginCounters
	if err := s.db.WithContext(ctx).Raw("SELECT "+cols+" FROM "+b.table+" WHERE "+b.key, b.args...).Scan(&rows).Error; err != nil {
		return LoginCounters{}, fmt.Errorf("read login counters: %w", err)
	}
	if len(rows) == 0 {
		if b.table == "users" {
			return LoginCounters{}, ErrNotFound
		}
		return LoginCounters{}, nil
	}
	return rows[0], nil
}
