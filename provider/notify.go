package provider

import (
	"context"
	"time"

	"github.com/otpgate/otpgate/provider/mail"
	"github.com/otpgate/otpgate/provider/signin"
	"github.com/otpgate/otpgate/provider/store"
)

// MailNotifier tells people about security events on their account by
// mail. Accounts without an address are skipped.
type MailNotifier struct {
	Sender mail.Sender
	Now    func() time.Time
}

var _ signin.Notifier = MailNotifier{}

func (n MailNotifier) send(ctx context.Context, u *store.User, m func(to string) mail.Message) error {
	if u.Email == "" {
		return nil
	}
	return n.Sender.Send(ctx, m(u.Email))
}

// SignInLink mails a single-use sign-in link (past the bound of
// failures from unknown browsers).
func (n MailNotifier) SignInLink(ctx context.Context, u *store.User, link string, valid time.Duration) error {
	return n.send(ctx, u, func(to string) mail.Message { return mail.SignInLink(to, link, valid) })
}

// ResetLink mails a single-use device reset link.
func (n MailNotifier) ResetLink(ctx context.Context, u *store.User, link string, valid time.Duration) error {
	return n.send(ctx, u, func(to string) mail.Message { return mail.ResetLink(to, link, valid) })
}

// EnrollLink mails the single-use proof of a first enrollment.
func (n MailNotifier) EnrollLink(ctx context.Context, u *store.User, link string, valid time.Duration) error {
	return n.send(ctx, u, func(to string) mail.Message { return mail.EnrollLink(to, link, valid) })
}

// DeviceReset mails that the device was reset.
func (n MailNotifier) DeviceReset(ctx context.Context, u *store.User) error {
	return n.send(ctx, u, func(to string) mail.Message { return mail.DeviceReset(to, n.Now()) })
}

// DeviceEnrolled mails that a new authenticator app was set up.
func (n MailNotifier) DeviceEnrolled(ctx context.Context, u *store.User, app string) error {
	return n.send(ctx, u, func(to string) mail.Message { return mail.DeviceEnrolled(to, app, n.Now()) })
}

// AccountLocked mails that passcode failures locked the account.
func (n MailNotifier) AccountLocked(ctx context.Context, u *store.User) error {
	return n.send(ctx, u, func(to string) mail.Message { return mail.AccountLocked(to, n.Now()) })
}
