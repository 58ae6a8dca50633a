package signin

import (
	"context"
	"time"

	"github.com/otpgate/otpgate/provider/credential"
)

// The per-address limiter answers password spraying (many accounts, one
// address) before it can lock the accounts or guess: it counts failed
// sign-in posts, not successes (an office behind one address signs in
// freely), in the database (every replica shares the count).

// addressWindow is the limiter's window.
const addressWindow = time.Minute

// addressKey is what the database keeps of a client address.
func addressKey(ip string) string { return credential.HashToken("address:" + ip) }

// AddressBlocked reports whether ip failed AddressFailuresPerMinute
// sign-in posts in the current minute.
func (s *Service) AddressBlocked(ctx context.Context, ip string) (bool, error) {
	limit := s.cfg.AddressFailuresPerMinute
	if limit <= 0 || ip == "" {
		return false, nil
	}
	n, err := s.store.AddressFailures(ctx, addressKey(ip), addressWindow)
	if err != nil {
		return false, fault(err)
	}
	return n >= int64(limit), nil
}

// AddressFailed counts a failed sign-in post from ip; a failure to count
// is logged (the per-account counters still hold).
func (s *Service) AddressFailed(ctx context.Context, ip string) {
	if s.cfg.AddressFailuresPerMinute <= 0 || ip == "" {
		return
	}
	if err := s.store.RecordAddressFailure(ctx, addressKey(ip), addressWindow); err != nil {
		s.log.WarnContext(ctx, "could not count an address failure", "err", err)
	}
}
