package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync/atomic"
	"time"
)

// workload describes one value of -workload.
type workload struct {
	// one and many name its operation in the report.
	one, many string
	// signsIn: the workload signs accounts in, during the run or before
	// it, so it needs the accounts (and -concurrency at most -users).
	signsIn bool
	// perSignIn: every operation is a sign-in.
	perSignIn bool
}

// workloads are the values of -workload, in the order workloadNames lists
// them.
var workloads = map[string]workload{
	"signin":     {one: "sign-in", many: "sign-ins", signsIn: true, perSignIn: true},
	"signin-mfa": {one: "two-factor sign-in", many: "two-factor sign-ins", signsIn: true, perSignIn: true},
	"refresh":    {one: "refresh", many: "refreshes", signsIn: true},
	"userinfo":   {one: "userinfo request", many: "userinfo requests", signsIn: true},
	"jwks":       {one: "JWKS fetch", many: "JWKS fetches"},
	"discovery":  {one: "discovery fetch", many: "discovery fetches"},
}

var workloadNames = []string{"signin", "signin-mfa", "refresh", "userinfo", "jwks", "discovery"}

// operation performs one operation of worker and returns how long its
// measured part took: a wait before it (for a TOTP step) is not part of
// it. errStopped ends the worker without an operation.
type operation func(ctx context.Context, worker int, deadline time.Time) (time.Duration, error)

// errStopped: the run ended before the operation could start.
var errStopped = errors.New("stopped")

// timed runs f and returns how long it took.
func timed(f func() error) (time.Duration, error) {
	t0 := time.Now()
	err := f()
	return time.Since(t0), err
}

// prepare does the workload's warm-up, which is never measured, and
// returns the operation the workers repeat.
func (d *driver) prepare(ctx context.Context) (operation, error) {
	switch d.c.workload {
	case "signin":
		if d.c.knownBrowsers {
			// Each account signs in once from its browser, which becomes a
			// known browser of the account.
			for i := range d.c.users {
				if _, err := d.signIn(ctx, i, "openid", 0); err != nil {
					return nil, fmt.Errorf("warm-up sign-in of %s: %w", username(d.c, i), err)
				}
			}
		}
		var n atomic.Int64
		return func(ctx context.Context, _ int, _ time.Time) (time.Duration, error) {
			i := int(n.Add(1)-1) % d.c.users
			return timed(func() error { _, err := d.signIn(ctx, i, "openid", 0); return err })
		}, nil
	case "signin-mfa":
		if err := d.loadDevices(ctx); err != nil {
			return nil, err
		}
		if d.c.knownBrowsers {
			if err := d.warmUpTwoFactor(ctx); err != nil {
				return nil, err
			}
		}
		return func(ctx context.Context, _ int, deadline time.Time) (time.Duration, error) {
			i, step, err := d.schedule.take(ctx, deadline)
			if err != nil {
				return 0, err
			}
			defer d.schedule.release(i)
			return timed(func() error { _, err := d.signIn(ctx, i, "openid", step); return err })
		}, nil
	case "refresh":
		tokens, err := d.workerTokens(ctx, "openid offline_access")
		if err != nil {
			return nil, err
		}
		return func(ctx context.Context, w int, _ time.Time) (time.Duration, error) {
			return timed(func() error { return d.refresh(ctx, &tokens[w]) })
		}, nil
	case "userinfo":
		tokens, err := d.workerTokens(ctx, "openid")
		if err != nil {
			return nil, err
		}
		return func(ctx context.Context, w int, _ time.Time) (time.Duration, error) {
			return timed(func() error { return d.userinfo(ctx, tokens[w]) })
		}, nil
	case "jwks":
		return func(ctx context.Context, _ int, _ time.Time) (time.Duration, error) {
			return timed(func() error { return d.jwks(ctx) })
		}, nil
	case "discovery":
		return func(ctx context.Context, _ int, _ time.Time) (time.Duration, error) {
			return timed(func() error { _, err := d.discovery(ctx); return err })
		}, nil
	}
	return nil, fmt.Errorf("unknown workload %q", d.c.workload)
}

// warmUpTwoFactor signs each account in once from its browser, then waits
// for the next TOTP step, so that the measured run starts with every
// account's passcode unused.
func (d *driver) warmUpTwoFactor(ctx context.Context) error {
	for range d.c.users {
		i, step, err := d.schedule.take(ctx, time.Now().Add(time.Hour))
		if err != nil {
			return err
		}
		_, err = d.signIn(ctx, i, "openid", step)
		d.schedule.release(i)
		if err != nil {
			return fmt.Errorf("warm-up sign-in of %s: %w", username(d.c, i), err)
		}
	}
	wait := d.schedule.untilNextStep(time.Now())
	fmt.Fprintf(os.Stderr, "warm-up: waiting %s for the next TOTP step\n", wait.Round(time.Millisecond))
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(wait):
	}
	d.schedule.resetWaits()
	return nil
}

// workerTokens signs account w in for each worker w (with scope) and
// returns the token answers; an access token that would expire during the
// run is an error.
func (d *driver) workerTokens(ctx context.Context, scope string) ([]tokenAnswer, error) {
	out := make([]tokenAnswer, d.c.concurrency)
	for w := range out {
		t, err := d.signIn(ctx, w, scope, 0)
		if err != nil {
			return nil, fmt.Errorf("warm-up sign-in of %s: %w", username(d.c, w), err)
		}
		if d.c.workload == "userinfo" && t.ExpiresIn > 0 && time.Duration(t.ExpiresIn)*time.Second < d.c.duration+time.Minute {
			return nil, fmt.Errorf("access tokens live %ds, not much longer than -duration %s: raise tokens.access_token_lifetime (OTPGATE_TOKENS_ACCESS_TOKEN_LIFETIME)",
				t.ExpiresIn, d.c.duration)
		}
		if scope != "openid" && t.RefreshToken == "" {
			return nil, fmt.Errorf("warm-up sign-in of %s: no refresh token for scope %q", username(d.c, w), scope)
		}
		out[w] = t
	}
	return out, nil
}
