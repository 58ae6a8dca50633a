package provider

import (
	"context"
	"time"

	"github.com/otpgate/otpgate/provider/mail"
	"github.com/otpgate/otpgate/provider/signin"
	"github.com/otpgate/otpgate/provider/store"
	"github.com/otpgate/otpgate/templates"
)

// MailNotifier tells people about security events on their account by
// mail, in their language (that of their last sign-in, else Locale's),
// with times in Locale's zone. Accounts without an address are skipped.
type MailNotifier struct {
	Sender mail.Sender
	Now    func() time.Time
	// Locale is the default language, the time zone and the product's
	// name of the mails.
	Locale mail.Locale
}

var _ signin.Notifier = MailNotifier{}

// locale is how a mail speaks to u.
func (n MailNotifier) locale(u *store.User) mail.Locale { return n.Locale.For(u.Lang) }

func (n MailNotifier) send(ctx context.Context, u *store.User, m func(to string, loc mail.Locale) mail.Message) error {
	if u.Email == "" {
		return nil
	}
	return n.Sender.Send(ctx, m(u.Email, n.locale(u)))
}

// SignInLink mails a single-use sign-in link (past the bound of
// failures from unknown browsers).
func (n MailNotifier) SignInLink(ctx context.Context, u *store.User, link string, valid time.Duration) error {
	return n.send(ctx, u, func(to string, loc mail.Locale) mail.Message { return mail.SignInLink(to, link, valid, loc) })
}

// ResetLink mails a single-use device reset link.
func (n MailNotifier) ResetLink(ctx context.Context, u *store.User, link string, valid time.Duration) error {
	return n.send(ctx, u, func(to string, loc mail.Locale) mail.Message { return mail.ResetLink(to, link, valid, loc) })
}

// EnrollLink mails the single-use proof of a first enrollment.
func (n MailNotifier) EnrollLink(ctx context.Context, u *store.User, link string, valid time.Duration) error {
	return n.send(ctx, u, func(to string, loc mail.Locale) mail.Message { return mail.EnrollLink(to, link, valid, loc) })
}

// DeviceReset mails that the device was reset.
func (n MailNotifier) DeviceReset(ctx context.Context, u *store.User) error {
	return n.send(ctx, u, func(to string, loc mail.Locale) mail.Message { return mail.DeviceReset(to, n.Now(), loc) })
}

// DeviceEnrolled mails that a new authenticator app was set up, named as
// the person chose it from the list.
func (n MailNotifier) DeviceEnrolled(ctx context.Context, u *store.User, app string) error {
	return n.send(ctx, u, func(to string, loc mail.Locale) mail.Message {
		name := templates.AppName(loc.Lang, app)
		if name == "" {
			name = app
		}
		return mail.DeviceEnrolled(to, name, n.Now(), loc)
	})
}

// AccountLocked mails that passcode failures locked the account.
func (n MailNotifier) AccountLocked(ctx context.Context, u *store.User) error {
	return n.send(ctx, u, func(to string, loc mail.Locale) mail.Message { return mail.AccountLocked(to, n.Now(), loc) })
}

// AccountChanged mails that the person changed their account on the
// account page (change is a store.EventSelf* name).
func (n MailNotifier) AccountChanged(ctx context.Context, u *store.User, change string) error {
	return n.send(ctx, u, func(to string, loc mail.Locale) mail.Message { return mail.AccountChanged(to, change, n.Now(), loc) })
}
