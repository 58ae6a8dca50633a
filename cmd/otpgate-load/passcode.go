package main

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/otpgate/otpgate/mfa"
	"github.com/otpgate/otpgate/provider/credential"
	"github.com/otpgate/otpgate/provider/signin"
	"github.com/otpgate/otpgate/provider/store"
)

// deviceSecret is the TOTP secret of account i's device (signin-mfa): an
// HMAC of the index under the seed, so that a run without -provision
// computes the passcodes of the devices an earlier -provision enrolled.
// Anyone who knows the seed knows the secrets: load accounts only.
func deviceSecret(c config, i int) []byte {
	m := hmac.New(sha256.New, []byte(c.seed))
	fmt.Fprintf(m, "otpgate-load totp secret %d", i)
	return m.Sum(nil)[:mfa.SecretSize]
}

// loadDevices reads each account's device before the run (signin-mfa): its
// secret must be the one the seed derives (sealed with -encryption-key-file),
// and its last accepted step starts the passcode schedule, so that a
// passcode an earlier run used is never sent again (it would count toward
// the account's lock).
func (d *driver) loadDevices(ctx context.Context) error {
	key, err := readKey(d.c.keyFile)
	if err != nil {
		return err
	}
	sealer, err := credential.NewSealer(key)
	if err != nil {
		return err
	}
	st, err := openStore(d.c.database)
	if err != nil {
		return err
	}
	defer st.Close()
	d.secrets = make([][]byte, d.c.users)
	last := make([]int64, d.c.users)
	for i := range d.c.users {
		name := username(d.c, i)
		u, err := st.UserByUsername(ctx, name)
		if errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("account %s does not exist: run with -provision", name)
		} else if err != nil {
			return err
		}
		if u.OTPLocked {
			return fmt.Errorf("account %s is locked after wrong passcodes: otpgate user reset-otp %s, then -provision", name, name)
		}
		dev, err := st.DeviceByUser(ctx, u.ID)
		if errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("account %s has no device: run with -provision", name)
		} else if err != nil {
			return err
		}
		secret, err := sealer.Open(dev.Secret, signin.DeviceAD(u.ID, dev.ID))
		if err != nil || !bytes.Equal(secret, deviceSecret(d.c, i)) {
			return fmt.Errorf("the device of %s was not enrolled by otpgate-load with this -seed and -encryption-key-file", name)
		}
		d.secrets[i], last[i] = secret, dev.LastStep
	}
	d.schedule = newPasscodeSchedule(mfa.Default, last)
	return nil
}

// passcodeSchedule hands out the accounts of two-factor sign-ins so that no
// account's passcode is sent twice in one TOTP step (the server accepts a
// step once per device; a second try would be refused and count toward
// the lock): an account is handed out with the current step only if it
// had a lower one before, and not again until it is released (so a slow
// sign-in that crosses into the next step is never overtaken by a later
// one of the same account). When every account has had the current step,
// take waits for the next one and counts the wait: the run was throttled
// by -users, not by the server.
type passcodeSchedule struct {
	totp mfa.TOTP

	mu   sync.Mutex
	last []int64 // per account, the last step handed out (or accepted before the run)
	busy []bool  // per account, handed out and not released
	next int     // where the round-robin search starts
	// released is closed (and replaced) when an account is released.
	released chan struct{}
	waits    int
	waited   time.Duration
}

func newPasscodeSchedule(totp mfa.TOTP, last []int64) *passcodeSchedule {
	return &passcodeSchedule{totp: totp, last: last, busy: make([]bool, len(last)), released: make(chan struct{})}
}

// tryTake hands out the next account, round-robin, that is free and had a
// step lower than step, with step; ok is false when there is none.
func (s *passcodeSchedule) tryTake(step int64) (account int, ok bool) {
	n := len(s.last)
	for k := range n {
		i := (s.next + k) % n
		if !s.busy[i] && s.last[i] < step {
			s.busy[i], s.last[i], s.next = true, step, (i+1)%n
			return i, true
		}
	}
	return 0, false
}

// take hands out an account and the step whose passcode it must send,
// waiting (for a release or the next step) while there is none;
// errStopped when the deadline comes first.
func (s *passcodeSchedule) take(ctx context.Context, deadline time.Time) (int, int64, error) {
	var waitedSince time.Time
	for {
		now := time.Now()
		step := s.totp.Step(now)
		s.mu.Lock()
		i, ok := s.tryTake(step)
		released := s.released
		s.mu.Unlock()
		if ok {
			s.noteWait(waitedSince, now)
			return i, step, nil
		}
		if !now.Before(deadline) {
			s.noteWait(waitedSince, now)
			return 0, 0, errStopped
		}
		if waitedSince.IsZero() {
			waitedSince = now
		}
		timer := time.NewTimer(min(s.untilNextStep(now), deadline.Sub(now)))
		select {
		case <-ctx.Done():
			timer.Stop()
			return 0, 0, ctx.Err()
		case <-released:
		case <-timer.C:
		}
		timer.Stop()
	}
}

// noteWait counts a wait that began at since (none when zero) and ended
// at now.
func (s *passcodeSchedule) noteWait(since, now time.Time) {
	if since.IsZero() {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.waits++
	s.waited += now.Sub(since)
}

// release frees an account taken by take.
func (s *passcodeSchedule) release(i int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.busy[i] = false
	close(s.released)
	s.released = make(chan struct{})
}

// untilNextStep is how long after now the next TOTP step begins.
func (s *passcodeSchedule) untilNextStep(now time.Time) time.Duration {
	next := time.Unix((s.totp.Step(now)+1)*int64(s.totp.Period), 0)
	return next.Sub(now)
}

// throttle reports how many sign-ins waited for a free account and how
// long they waited in all.
func (s *passcodeSchedule) throttle() (int, time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.waits, s.waited
}

func (s *passcodeSchedule) resetWaits() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.waits, s.waited = 0, 0
}
