package provider

import (
	"crypto/rand"
	"time"

	"github.com/otpgate/otpgate/mfa"
	"github.com/otpgate/otpgate/provider/signin"
)

// newSignIn builds the sign-in service from the options: the store's
// clock, the system's randomness, and an events sink that writes the audit
// row, counts the metric and mails the person.
func newSignIn(o Options, metrics *Metrics) *signin.Service {
	return signin.New(signin.Config{
		QuestionEnabled:      o.QuestionEnabled,
		MinPasswordLength:    o.MinPasswordLength,
		SessionLifetime:      o.Lifetimes.Session,
		SessionIdle:          o.Lifetimes.SessionIdle,
		MFAPolicy:            o.MFAPolicy,
		TOTP:                 mfa.Default,
		TOTPIssuer:           o.TOTPIssuer,
		EnrollmentProof:      o.EnrollmentProof,
		RememberBrowserDays:  o.RememberBrowserDays,
		OTPAttempts:          o.OTPAttempts,
		LoginLockout:         mfa.Lockout{Threshold: o.LoginAttempts, Base: time.Minute, Max: time.Hour},
		LoginLockDecay:       o.LoginLockDecay,
		UnknownBrowserLimit:  o.UnknownBrowserLimit,
		KnownBrowserLifetime: o.KnownBrowserLifetime,
		SelfServiceReset:     !o.AdminOnlyReset,
		ResetLinkLifetime:    o.ResetLinkLifetime,
		ResetMailsPerHour:    o.ResetMailsPerHour,
		Issuer:               o.Issuer,
		CodeLifetime:         o.Lifetimes.Code,
		DirectoryQuestion:    o.DirectoryQuestion,
		LocalPasswords:       o.LocalPasswords,
		// The per-address limiter (negative AttemptsPerMinute: off).
		AddressFailuresPerMinute: max(o.AttemptsPerMinute, 0),
	}, signin.Deps{
		Store:     o.Store,
		Hasher:    o.Hasher,
		Sealer:    o.Sealer,
		Rand:      rand.Reader,
		Now:       o.Store.Now,
		Events:    &signin.Recorder{Audit: o.Store, Observer: metrics, Notifier: o.Notifier, Log: o.Logger},
		Mailer:    o.Notifier,
		Directory: o.Directory,
		Upstreams: o.Upstreams,
		Log:       o.Logger,
		// Names that are no account are throttled under an HMAC with this
		// key, the same on every replica.
		NameKey: o.Sealer.Derive("login-names"),
	})
}
