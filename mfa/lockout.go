package mfa

import "time"

// Lockout is the policy of the temporary password/answer lock: Threshold
// consecutive wrong passwords or answers lock the account for
// LockFor(level), where level counts the locks since the last success, so
// each lock is twice as long as the one before it, up to Max.
//
// The policy is pure arithmetic; the store keeps the counters and applies a
// lock with one conditional statement (see provider/store), so a run of
// failures is locked exactly once however many requests race.
type Lockout struct {
	// Threshold is the number of consecutive failures that locks.
	Threshold int
	// Base is the first lock's length (level 0); Max caps every lock.
	Base, Max time.Duration
}

// LockFor is the length of the lock at level: Base × 2^level, never more
// than Max. It never overflows, however large level is; a negative level
// counts as 0, and a non-positive Base or Max gives no lock at all.
func (l Lockout) LockFor(level int) time.Duration {
	if l.Base <= 0 || l.Max <= 0 {
		return 0
	}
	d := l.Base
	for ; level > 0; level-- {
		if d > l.Max/2 {
			return l.Max
		}
		d *= 2
	}
	return min(d, l.Max)
}
