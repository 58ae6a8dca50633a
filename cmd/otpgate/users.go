package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"text/tabwriter"
	"time"
	"unicode/utf8"

	"github.com/otpgate/otpgate/provider/store"
	"github.com/otpgate/otpgate/templates"
)

func newUserID() string { return "u_" + strings.ToLower(strings.TrimRight(randText(), "=")) }

// user dispatches the user subcommands.
func (c *cli) user(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return errors.New("user: missing subcommand (add, list, show, set-password, disable, enable, require-mfa, reset-otp, unlock)")
	}
	sub, args := args[0], args[1:]
	switch sub {
	case "add":
		return c.userAdd(ctx, args)
	case "list":
		return c.userList(ctx, args)
	case "show":
		return c.userShow(ctx, args)
	case "set-password":
		return c.userSetPassword(ctx, args)
	case "disable", "enable":
		return c.userSetDisabled(ctx, args, sub == "disable")
	case "require-mfa":
		return c.userRequireMFA(ctx, args)
	case "reset-otp":
		return c.userResetOTP(ctx, args)
	case "unlock":
		return c.userUnlock(ctx, args)
	default:
		return fmt.Errorf("user: unknown subcommand %q", sub)
	}
}

// readPassword takes --password or, with --password-stdin, the first line
// of standard input.
func (c *cli) readPassword(flagValue string, fromStdin bool) (string, error) {
	if fromStdin {
		if flagValue != "" {
			return "", errors.New("give --password or --password-stdin, not both")
		}
		line, err := bufio.NewReader(c.stdin).ReadString('\n')
		if err != nil && line == "" {
			return "", errors.New("--password-stdin: no password on standard input")
		}
		return strings.TrimRight(line, "\r\n"), nil
	}
	return flagValue, nil
}

func (c *cli) checkPassword(rt *runtime, pw string) error {
	if pw == "" {
		return errors.New("a password is required (--password or --password-stdin)")
	}
	if n := utf8.RuneCountInString(pw); n < rt.cfg.Login.MinPasswordLength {
		return fmt.Errorf("the password must be at least %d characters long", rt.cfg.Login.MinPasswordLength)
	}
	if len(pw) > 1024 {
		return errors.New("the password is too long")
	}
	return nil
}

func (c *cli) userAdd(ctx context.Context, args []string) error {
	fs := c.flags("user add")
	username := fs.String("username", "", "username (case-insensitive)")
	email := fs.String("email", "", "email address")
	name := fs.String("name", "", "display name")
	password := fs.String("password", "", "initial password")
	stdin := fs.Bool("password-stdin", false, "read the initial password from standard input")
	requireMFA := fs.Bool("require-mfa", false, "require two-factor sign-in for this user")
	if _, err := c.parse(fs, args); err != nil {
		return err
	}
	uname := store.NormalizeUsername(*username)
	if uname == "" || len(uname) > 128 || strings.ContainsAny(uname, " \t\r\n") {
		return errors.New("user add: --username is required (1-128 characters, no spaces)")
	}
	if *email != "" {
		if _, err := mail.ParseAddress(*email); err != nil {
			return fmt.Errorf("user add: --email %q is not an email address", *email)
		}
	}
	rt, err := c.open(ctx)
	if err != nil {
		return err
	}
	defer rt.Close()
	pw, err := c.readPassword(*password, *stdin)
	if err != nil {
		return fmt.Errorf("user add: %w", err)
	}
	if err := c.checkPassword(rt, pw); err != nil {
		return fmt.Errorf("user add: %w", err)
	}
	u := &store.User{ID: newUserID(), Username: uname, Email: *email, Name: *name,
		PasswordHash: rt.hasher.Hash(pw), MustChangePassword: true, RequireMFA: *requireMFA}
	if err := rt.store.CreateUser(ctx, u); err != nil {
		if errors.Is(err, store.ErrConflict) {
			return fmt.Errorf("user add: username %q is taken", uname)
		}
		return err
	}
	detail := "user created; must set a new password and security question at first sign-in"
	if u.RequireMFA {
		detail += "; require-mfa on"
	}
	if err := c.record(ctx, rt, "user add", userEvent(store.EventAdminUser, u, detail)); err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "created user %s (id %s); they set a new password and security question at first sign-in\n", u.Username, u.ID)
	return nil
}

func (c *cli) userList(ctx context.Context, args []string) error {
	if _, err := c.parse(c.flags("user list"), args); err != nil {
		return err
	}
	rt, err := c.open(ctx)
	if err != nil {
		return err
	}
	defer rt.Close()
	users, err := rt.store.ListUsers(ctx)
	if err != nil {
		return err
	}
	w := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "USERNAME\tEMAIL\tSTATUS\tREQUIRE-MFA\tCREATED")
	for _, u := range users {
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", u.Username, u.Email, userStatus(&u), onOff(u.RequireMFA), u.CreatedAt.Format("2006-01-02"))
	}
	return w.Flush()
}

func userStatus(u *store.User) string {
	switch {
	case u.Disabled:
		return "disabled"
	case u.MustChangePassword:
		return "first-sign-in-pending"
	default:
		return "active"
	}
}

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}

// oneName returns the single positional argument (a username).
func oneName(cmd string, pos []string) (string, error) {
	if len(pos) != 1 {
		return "", fmt.Errorf("%s: give exactly one username", cmd)
	}
	return pos[0], nil
}

// loadUser opens the runtime and finds a user by name.
func (c *cli) loadUser(ctx context.Context, cmd string, pos []string) (*runtime, *store.User, error) {
	name, err := oneName(cmd, pos)
	if err != nil {
		return nil, nil, err
	}
	rt, err := c.open(ctx)
	if err != nil {
		return nil, nil, err
	}
	u, err := rt.store.UserByUsername(ctx, name)
	if err != nil {
		rt.Close()
		if errors.Is(err, store.ErrNotFound) {
			return nil, nil, fmt.Errorf("%s: no user named %q", cmd, name)
		}
		return nil, nil, err
	}
	return rt, u, nil
}

func (c *cli) userShow(ctx context.Context, args []string) error {
	pos, err := c.parse(c.flags("user show"), args)
	if err != nil {
		return err
	}
	rt, u, err := c.loadUser(ctx, "user show", pos)
	if err != nil {
		return err
	}
	defer rt.Close()
	question := u.Question
	if question == "" {
		question = "(not set)"
	}
	fmt.Fprintf(c.stdout, "username:          %s\nid:                %s\nemail:             %s\nname:              %s\nstatus:            %s\nrequire-mfa:       %s\nsecurity question: %s\ncreated:           %s\nupdated:           %s\n",
		u.Username, u.ID, u.Email, u.Name, userStatus(u), onOff(u.RequireMFA), question,
		u.CreatedAt.Format("2006-01-02 15:04:05 MST"), u.UpdatedAt.Format("2006-01-02 15:04:05 MST"))
	c.showLocks(rt.store.Now(), u)
	return c.showDevice(ctx, rt, u)
}

// displayTime is how show and reset print a moment.
func displayTime(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05 MST") }

// showLocks prints the user's lockout state and whether an enrollment code
// from a device reset is waiting to be used (never the code or its hash).
func (c *cli) showLocks(now time.Time, u *store.User) {
	loginLock := "none"
	if u.LoginLockedUntil > now.Unix() {
		locks := "locks"
		if u.LoginLockLevel == 1 {
			locks = "lock"
		}
		loginLock = fmt.Sprintf("until %s (after %d %s)", displayTime(time.Unix(u.LoginLockedUntil, 0)), u.LoginLockLevel, locks)
	}
	otpLock := "none"
	if u.OTPLocked {
		otpLock = "locked (reset the device with otpgate user reset-otp " + u.Username + ")"
	}
	proof := "none"
	switch {
	case u.ProofHash == "" || u.ProofExpiresAt == nil:
	case u.ProofExpiresAt.After(now):
		proof = "pending until " + displayTime(*u.ProofExpiresAt)
	default:
		proof = "expired " + displayTime(*u.ProofExpiresAt) + " (issue a new one with otpgate user reset-otp " + u.Username + ")"
	}
	fmt.Fprintf(c.stdout, "login lock:        %s\npasscode lock:     %s\nenrollment code:   %s\n", loginLock, otpLock, proof)
}

// showDevice prints the user's authenticator (never its secret) and how
// many recovery codes are left.
func (c *cli) showDevice(ctx context.Context, rt *runtime, u *store.User) error {
	d, err := rt.store.DeviceByUser(ctx, u.ID)
	if errors.Is(err, store.ErrNotFound) {
		fmt.Fprintln(c.stdout, "device:            none enrolled")
		return nil
	}
	if err != nil {
		return err
	}
	lastUsed := "never"
	if d.LastUsedAt != nil {
		lastUsed = d.LastUsedAt.Format("2006-01-02 15:04:05 MST")
	}
	left, err := rt.store.CountRecoveryCodes(ctx, u.ID)
	if err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "device:            enrolled\ndevice app:        %s\nenrolled at:       %s\nlast used:         %s\nrecovery codes:    %d unused\n",
		appName(d.App), d.EnrolledAt.Format("2006-01-02 15:04:05 MST"), lastUsed, left)
	return nil
}

// appName is the display name of an authenticator app id.
func appName(id string) string {
	for _, a := range templates.Apps {
		if a.ID == id && a.Name != "" {
			return a.Name
		}
	}
	if id == "" {
		return "unknown"
	}
	return id
}

// userSetPassword sets a temporary password: the user must choose a new
// one at the next sign-in, and existing sessions and tokens are revoked.
func (c *cli) userSetPassword(ctx context.Context, args []string) error {
	fs := c.flags("user set-password")
	password := fs.String("password", "", "new temporary password")
	stdin := fs.Bool("password-stdin", false, "read the password from standard input")
	pos, err := c.parse(fs, args)
	if err != nil {
		return err
	}
	rt, u, err := c.loadUser(ctx, "user set-password", pos)
	if err != nil {
		return err
	}
	defer rt.Close()
	pw, err := c.readPassword(*password, *stdin)
	if err != nil {
		return fmt.Errorf("user set-password: %w", err)
	}
	if err := c.checkPassword(rt, pw); err != nil {
		return fmt.Errorf("user set-password: %w", err)
	}
	if err := rt.store.SetUserPassword(ctx, u.ID, rt.hasher.Hash(pw), true); err != nil {
		return err
	}
	if err := rt.store.RevokeUser(ctx, u.ID); err != nil {
		return err
	}
	const detail = "temporary password set (must change it at the next sign-in); sessions and tokens revoked"
	if err := c.record(ctx, rt, "user set-password", userEvent(store.EventAdminUser, u, detail)); err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "password of %s set; they must choose a new one at the next sign-in; sessions and tokens revoked\n", u.Username)
	return nil
}

func (c *cli) userSetDisabled(ctx context.Context, args []string, disabled bool) error {
	cmd := "user enable"
	if disabled {
		cmd = "user disable"
	}
	pos, err := c.parse(c.flags(cmd), args)
	if err != nil {
		return err
	}
	rt, u, err := c.loadUser(ctx, cmd, pos)
	if err != nil {
		return err
	}
	defer rt.Close()
	if err := rt.store.SetUserDisabled(ctx, u.ID, disabled); err != nil {
		return err
	}
	if disabled {
		if err := rt.store.RevokeUser(ctx, u.ID); err != nil {
			return err
		}
		if err := c.record(ctx, rt, cmd, userEvent(store.EventAdminUser, u, "disabled; sessions and tokens revoked")); err != nil {
			return err
		}
		fmt.Fprintf(c.stdout, "disabled %s; sessions and tokens revoked\n", u.Username)
		return nil
	}
	if err := c.record(ctx, rt, cmd, userEvent(store.EventAdminUser, u, "enabled")); err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "enabled %s\n", u.Username)
	return nil
}

func (c *cli) userRequireMFA(ctx context.Context, args []string) error {
	pos, err := c.parse(c.flags("user require-mfa"), args)
	if err != nil {
		return err
	}
	if len(pos) != 2 || (pos[1] != "on" && pos[1] != "off") {
		return errors.New("user require-mfa: usage: otpgate user require-mfa NAME on|off")
	}
	rt, u, err := c.loadUser(ctx, "user require-mfa", pos[:1])
	if err != nil {
		return err
	}
	defer rt.Close()
	on := pos[1] == "on"
	if err := rt.store.SetUserRequireMFA(ctx, u.ID, on); err != nil {
		return err
	}
	if err := c.record(ctx, rt, "user require-mfa", userEvent(store.EventAdminUser, u, "set require-mfa "+onOff(on))); err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "two-factor requirement for %s: %s\n", u.Username, onOff(on))
	return nil
}
