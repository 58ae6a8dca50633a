package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/user"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/otpgate/otpgate/provider/admin"
	"github.com/otpgate/otpgate/provider/store"
)

// Every CLI command that changes something writes one audit event right
// after the change, naming the administrator (the actor) and saying in
// words what changed. No password, secret, code, proof or hash ever goes
// into an event.

// actorPrefix marks administrator actors that used the CLI.
const actorPrefix = "cli:"

// maxActor is the longest actor name kept (the column holds 128 bytes).
const maxActor = 100

// setActor takes --actor: a printable name, which is recorded with the
// "cli:" prefix.
func (c *cli) setActor(v string) error {
	v = strings.TrimPrefix(strings.TrimSpace(v), actorPrefix)
	if v == "" || len(v) > maxActor || strings.IndexFunc(v, func(r rune) bool { return !unicode.IsPrint(r) }) >= 0 {
		return fmt.Errorf("--actor: give a printable name of 1-%d bytes", maxActor)
	}
	c.actor = v
	return nil
}

// auditActor is who the audit log records for this invocation: --actor,
// else the user who ran sudo, else the login name, else the numeric uid.
func (c *cli) auditActor() string {
	name := c.actor
	if name == "" {
		name = strings.TrimSpace(os.Getenv("SUDO_USER"))
	}
	if name == "" {
		if u, err := user.Current(); err == nil {
			name = u.Username
		}
	}
	if name == "" {
		name = "uid " + strconv.Itoa(os.Getuid())
	}
	return actorPrefix + admin.Clip(printable(name), maxActor)
}

// record writes the audit event of a change that was just made, through
// the admin service. Its error fails the command, before the change is
// reported as done.
func (c *cli) record(ctx context.Context, rt *runtime, cmd string, e store.AuditEvent) error {
	svc, err := c.adminService(rt, false)
	if err != nil {
		return err
	}
	return adminError(cmd, "", svc.Record(ctx, c.auditActor(), e))
}

// printable replaces characters that could move the cursor or recolour an
// administrator's terminal (an event may hold a name an attacker typed).
func printable(s string) string {
	return strings.Map(func(r rune) rune {
		if r == utf8.RuneError || !unicode.IsPrint(r) {
			return '?'
		}
		return r
	}, s)
}

// defaultAuditLimit is how many of the most recent events audit prints.
const defaultAuditLimit = 1000

// auditLog prints audit events, oldest first.
func (c *cli) auditLog(ctx context.Context, args []string) error {
	const cmd = "audit"
	fs := c.flags(cmd)
	username := fs.String("user", "", "only events of this user")
	since := fs.String("since", "", "only events of the last DURATION (e.g. 90m, 24h, 7d)")
	limit := fs.Int("limit", defaultAuditLimit, "print at most this many of the most recent events")
	pos, err := c.parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return fmt.Errorf("%s: unexpected argument %q (see otpgate audit -h)", cmd, pos[0])
	}
	var window time.Duration
	if *since != "" {
		if window, err = parseSince(*since); err != nil {
			return fmt.Errorf("%s: --since %q: %v", cmd, *since, err)
		}
	}
	if *limit < 1 {
		return fmt.Errorf("%s: --limit must be at least 1", cmd)
	}
	rt, svc, err := c.openAdmin(ctx, false)
	if err != nil {
		return err
	}
	defer rt.Close()
	entries, err := svc.AuditLog(ctx, admin.AuditQuery{Username: *username, Since: window, Limit: *limit})
	if err != nil {
		return adminError(cmd, *username, err)
	}
	w := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "TIME\tEVENT\tUSER\tCLIENT\tIP\tACTOR\tDETAIL")
	for _, e := range entries {
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", e.At.UTC().Format(time.RFC3339), column(e.Event),
			column(e.User), column(e.ClientID), column(e.IP), column(e.Actor), column(e.Detail))
	}
	return w.Flush()
}

// column is one printable table cell; "-" when empty.
func column(s string) string {
	if s == "" {
		return "-"
	}
	return printable(s)
}

// parseSince reads a positive Go duration, or a whole number of days ("7d").
func parseSince(s string) (time.Duration, error) {
	var d time.Duration
	if days, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(days)
		if err != nil || n < 1 || n > 100*365 {
			return 0, errors.New("not a duration (e.g. 90m, 24h, 7d)")
		}
		d = time.Duration(n) * 24 * time.Hour
	} else {
		var err error
		if d, err = time.ParseDuration(s); err != nil {
			return 0, errors.New("not a duration (e.g. 90m, 24h, 7d)")
		}
	}
	if d <= 0 {
		return 0, errors.New("must be positive")
	}
	return d, nil
}
