package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/otpgate/otpgate/provider/admin"
)

// showRemembered prints the user's remembered browsers (those that skip
// the passcode): id, label, created, last used and expiry.
func (c *cli) showRemembered(ctx context.Context, svc *admin.Service, name string) error {
	rows, err := svc.RememberedBrowsers(ctx, name)
	if err != nil {
		return err
	}
	if len(rows) == 0 {
		fmt.Fprintln(c.stdout, "remembered browsers: none")
		return nil
	}
	fmt.Fprintf(c.stdout, "remembered browsers: %d (they skip the passcode; otpgate user forget-browser %s ID|--all)\n", len(rows), name)
	for _, b := range rows {
		fmt.Fprintf(c.stdout, "  %s  %s, created %s, last used %s, expires %s\n", b.ID, b.Label,
			displayTime(b.CreatedAt), displayTime(b.LastUsedAt), displayTime(b.ExpiresAt))
	}
	return nil
}

// userForgetBrowser is `user forget-browser NAME ID` (or --all): the
// remembered browser asks for the passcode again at its next sign-in.
func (c *cli) userForgetBrowser(ctx context.Context, args []string) error {
	const cmd = "user forget-browser"
	fs := c.flags(cmd)
	all := fs.Bool("all", false, "forget every remembered browser of the user")
	pos, err := c.parse(fs, args)
	if err != nil {
		return err
	}
	if (*all && len(pos) != 1) || (!*all && len(pos) != 2) {
		return errors.New(cmd + ": give a username and a remembered browser's id (as otpgate user show lists it), or --all")
	}
	return c.userAction(ctx, cmd, pos[:1], false, func(svc *admin.Service, _ *runtime, name string) error {
		if *all {
			n, err := svc.RevokeRememberedBrowsers(ctx, c.auditActor(), name)
			if err != nil {
				return err
			}
			fmt.Fprintf(c.stdout, "forgot %d remembered browsers of %s\n", n, name)
			return nil
		}
		if err := svc.RevokeRememberedBrowser(ctx, c.auditActor(), name, pos[1]); err != nil {
			return err
		}
		fmt.Fprintf(c.stdout, "forgot remembered browser %s of %s\n", pos[1], name)
		return nil
	})
}
