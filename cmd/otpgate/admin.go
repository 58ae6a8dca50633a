package main

import (
	"crypto/rand"
	"errors"
	"fmt"
	"strings"

	"github.com/otpgate/otpgate/config"
	"github.com/otpgate/otpgate/provider/admin"
	"github.com/otpgate/otpgate/provider/mail"
)

// adminService is the operator's service over the runtime's store. Mail is
// set up only for commands that mail the user (withMail), so that a mail
// setting never stops the others.
func (c *cli) adminService(rt *runtime, withMail bool) (*admin.Service, error) {
	o := admin.Options{
		Store:             rt.store,
		Hasher:            rt.hasher,
		Sealer:            rt.sealer,
		Random:            rand.Reader,
		Issuer:            rt.cfg.EffectiveIssuer(),
		MinPasswordLength: rt.cfg.Login.MinPasswordLength,
		CheckRedirectURI:  config.CheckRedirectURI,
		MailLocale:        mailLocale(rt.cfg),
	}
	if withMail {
		sender, err := newMailer(rt.cfg, rt.log)
		if err != nil {
			return nil, err
		}
		if sender != nil {
			o.Mail = sender
		}
	}
	return admin.New(o)
}

// adminError turns an admin service error into the command's one-line
// message; subject is the username or client id as the operator typed it.
func adminError(cmd, subject string, err error) error {
	var input *admin.InputError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &input):
		return fmt.Errorf("%s: %s", cmd, flagMessage(input))
	case errors.Is(err, admin.ErrUserNotFound):
		return fmt.Errorf("%s: no user named %q", cmd, subject)
	case errors.Is(err, admin.ErrUsernameTaken):
		return fmt.Errorf("%s: username %q is taken", cmd, subject)
	case errors.Is(err, admin.ErrHasDevice):
		return fmt.Errorf("%s: %q already has a device, so no enrollment code is needed (otpgate user reset-otp %s replaces it)",
			cmd, subject, subject)
	case errors.Is(err, admin.ErrBrowserNotFound):
		return fmt.Errorf("%s: %q has no remembered browser of that id (otpgate user show %s lists them)", cmd, subject, subject)
	case errors.Is(err, admin.ErrClientNotFound):
		return fmt.Errorf("%s: no client %q", cmd, subject)
	case errors.Is(err, admin.ErrClientExists):
		return fmt.Errorf("%s: client %q already exists", cmd, subject)
	case errors.Is(err, admin.ErrClientFromConfig):
		verb := "change"
		if cmd == "client remove" {
			verb = "remove"
		}
		return fmt.Errorf("%s: client %q is declared in the configuration file; %s it there", cmd, subject, verb)
	case errors.Is(err, admin.ErrPublicClient):
		return fmt.Errorf("%s: client %q is public and has no secret", cmd, subject)
	case errors.Is(err, admin.ErrNotAudited):
		return fmt.Errorf("%s: %w", cmd, err)
	default:
		return err
	}
}

// uriEditFlags turn the other client update flags a message names into
// flags too ("cannot go with --add-redirect-uri").
var uriEditFlags = strings.NewReplacer(
	" add-redirect-uri", " --add-redirect-uri", " remove-redirect-uri", " --remove-redirect-uri",
	" add-post-logout-redirect-uri", " --add-post-logout-redirect-uri",
	" remove-post-logout-redirect-uri", " --remove-post-logout-redirect-uri")

// flagMessage words a refused input in terms of the command's flags.
func flagMessage(e *admin.InputError) string {
	switch {
	case e.Field == "" && e.Message == "nothing to change":
		return "nothing to change (see otpgate client update -h)"
	case e.Message == "a public client has no secret":
		return "a --public client has no --secret"
	case e.Message == "at least one redirect-uri is required":
		return "at least one --redirect-uri is required"
	case e.Message == "a password is required":
		return "a password is required (--password or --password-stdin)"
	case e.Field != "" && strings.HasPrefix(e.Message, e.Field+" "):
		return "--" + uriEditFlags.Replace(e.Message)
	default:
		return e.Message
	}
}

// mailLocale is the configured default language, time zone and product
// name of the mails.
func mailLocale(cfg *config.Config) mail.Locale {
	return mail.Locale{Lang: cfg.Mail.MailLang(), Zone: cfg.Mail.Location(), Product: cfg.Branding.Product()}
}
