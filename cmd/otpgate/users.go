package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/otpgate/otpgate/provider/admin"
	"github.com/otpgate/otpgate/provider/store"
	"github.com/otpgate/otpgate/templates"
)

// user dispatches the user subcommands.
func (c *cli) user(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return errors.New("user: missing subcommand (add, list, show, update, set-password, disable, enable, require-mfa, grant-admin, revoke-admin, reset-otp, unlock, link, unlink, forget-browser)")
	}
	sub, args := args[0], args[1:]
	switch sub {
	case "add":
		return c.userAdd(ctx, args)
	case "list":
		return c.userList(ctx, args)
	case "show":
		return c.userShow(ctx, args)
	case "update":
		return c.userUpdate(ctx, args)
	case "set-password":
		return c.userSetPassword(ctx, args)
	case "disable", "enable":
		return c.userSetDisabled(ctx, args, sub == "disable")
	case "require-mfa":
		return c.userRequireMFA(ctx, args)
	case "grant-admin", "revoke-admin":
		return c.userSetAdmin(ctx, args, sub == "grant-admin")
	case "reset-otp":
		return c.userResetOTP(ctx, args)
	case "unlock":
		return c.userUnlock(ctx, args)
	case "link", "unlink":
		return c.userLink(ctx, args, sub == "link")
	case "forget-browser":
		return c.userForgetBrowser(ctx, args)
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

// requirePassword refuses an empty password read from --password or
// --password-stdin (the service checks its length).
func requirePassword(pw string) error {
	if pw == "" {
		return errors.New("a password is required (--password or --password-stdin)")
	}
	return nil
}

func (c *cli) userAdd(ctx context.Context, args []string) error {
	const cmd = "user add"
	fs := c.flags(cmd)
	username := fs.String("username", "", "username (case-insensitive)")
	email := fs.String("email", "", "email address")
	name := fs.String("name", "", "display name, e.g. \"Ada Lovelace\" (the name claim; default: the username)")
	given := fs.String("given-name", "", "given name (the given_name claim)")
	family := fs.String("family-name", "", "family name (the family_name claim)")
	password := fs.String("password", "", "initial password")
	stdin := fs.Bool("password-stdin", false, "read the initial password from standard input")
	requireMFA := fs.Bool("require-mfa", false, "require two-factor sign-in for this user")
	if _, err := c.parse(fs, args); err != nil {
		return err
	}
	uname := store.NormalizeUsername(*username)
	if err := admin.CheckUsername(uname); err != nil {
		return adminError(cmd, uname, err)
	}
	if err := admin.CheckEmail(*email); err != nil {
		return adminError(cmd, uname, err)
	}
	if err := checkNames(*name, *given, *family); err != nil {
		return adminError(cmd, uname, err)
	}
	rt, svc, err := c.openAdmin(ctx, false)
	if err != nil {
		return err
	}
	defer rt.Close()
	pw, err := c.readPassword(*password, *stdin)
	if err == nil {
		err = requirePassword(pw)
	}
	if err != nil {
		return fmt.Errorf("%s: %w", cmd, err)
	}
	u, err := svc.AddUser(ctx, c.auditActor(), admin.NewUser{Username: uname, Email: *email, Name: *name,
		GivenName: *given, FamilyName: *family, Password: pw, RequireMFA: *requireMFA})
	if err != nil {
		return adminError(cmd, uname, err)
	}
	fmt.Fprintf(c.stdout, "created user %s (id %s); they set a new password and security question at first sign-in\n", u.Username, u.ID)
	return nil
}

// checkNames refuses a display, given or family name before anything is
// opened (the service checks them again).
func checkNames(name, given, family string) error {
	for _, n := range []struct{ flag, value string }{{"name", name}, {"given-name", given}, {"family-name", family}} {
		if err := admin.CheckName(n.flag, n.value); err != nil {
			return err
		}
	}
	return nil
}

// userUpdate changes the names of a user: only the flags given change,
// and an empty value clears a name.
func (c *cli) userUpdate(ctx context.Context, args []string) error {
	const cmd = "user update"
	fs := c.flags(cmd)
	var name, given, family optString
	fs.Var(&name, "name", "display name (\"\" clears it: the username is shown)")
	fs.Var(&given, "given-name", "given name (\"\" clears it)")
	fs.Var(&family, "family-name", "family name (\"\" clears it)")
	pos, err := c.parse(fs, args)
	if err != nil {
		return err
	}
	change := admin.UserChange{Name: name.given(), GivenName: given.given(), FamilyName: family.given()}
	if change == (admin.UserChange{}) {
		return errors.New(cmd + ": nothing to change (give --name, --given-name or --family-name)")
	}
	if err := checkNames(name.value, given.value, family.value); err != nil {
		return adminError(cmd, "", err)
	}
	return c.userAction(ctx, cmd, pos, false, func(svc *admin.Service, _ *runtime, username string) error {
		u, err := svc.UpdateUser(ctx, c.auditActor(), username, change)
		if err != nil {
			return err
		}
		fmt.Fprintf(c.stdout, "updated %s: shown as %q\n", u.Username, u.DisplayName())
		return nil
	})
}

func (c *cli) userList(ctx context.Context, args []string) error {
	fs := c.flags("user list")
	var f admin.UserFilter
	fs.BoolVar(&f.Locked, "locked", false, "only accounts with a passcode lock or a password/answer lock in force")
	fs.BoolVar(&f.MFA, "mfa", false, "only accounts that require two-factor authentication")
	fs.BoolVar(&f.NoDevice, "no-device", false, "only accounts without an enrolled device")
	if _, err := c.parse(fs, args); err != nil {
		return err
	}
	rt, svc, err := c.openAdmin(ctx, false)
	if err != nil {
		return err
	}
	defer rt.Close()
	rows, err := svc.UserList(ctx, f)
	if err != nil {
		return err
	}
	w := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "USERNAME\tEMAIL\tSTATUS\tREQUIRE-MFA\tDEVICE\tLOCK\tCREATED")
	for _, r := range rows {
		device := "none"
		if r.HasDevice {
			device = "enrolled"
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.Username, r.Email, userStatus(&r.User), onOff(r.RequireMFA),
			device, lockState(r), r.CreatedAt.Format("2006-01-02"))
	}
	return w.Flush()
}

// lockState is the LOCK column: the passcode lock (until an administrator
// acts), a temporary password/answer lock and its end, or "-".
func lockState(r admin.UserRow) string {
	var locks []string
	if r.OTPLocked {
		locks = append(locks, "passcode")
	}
	if !r.LockedUntil.IsZero() {
		locks = append(locks, "until "+r.LockedUntil.UTC().Format("2006-01-02T15:04:05Z"))
	}
	if len(locks) == 0 {
		return "-"
	}
	return strings.Join(locks, ", ")
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

// openAdmin opens the runtime and the admin service over it.
func (c *cli) openAdmin(ctx context.Context, withMail bool) (*runtime, *admin.Service, error) {
	rt, err := c.open(ctx)
	if err != nil {
		return nil, nil, err
	}
	svc, err := c.adminService(rt, withMail)
	if err != nil {
		rt.Close()
		return nil, nil, err
	}
	return rt, svc, nil
}

// userAction runs one action on the user named by the single positional
// argument: it opens the runtime and the service and maps the action's
// error onto the command's message.
func (c *cli) userAction(ctx context.Context, cmd string, pos []string, withMail bool,
	act func(svc *admin.Service, rt *runtime, name string) error) error {
	name, err := oneName(cmd, pos)
	if err != nil {
		return err
	}
	rt, svc, err := c.openAdmin(ctx, withMail)
	if err != nil {
		return err
	}
	defer rt.Close()
	return adminError(cmd, name, act(svc, rt, name))
}

func (c *cli) userShow(ctx context.Context, args []string) error {
	pos, err := c.parse(c.flags("user show"), args)
	if err != nil {
		return err
	}
	return c.userAction(ctx, "user show", pos, false, func(svc *admin.Service, rt *runtime, name string) error {
		u, err := svc.User(ctx, name)
		if err != nil {
			return err
		}
		question := u.Question
		if question == "" {
			question = "(not set)"
		}
		fmt.Fprintf(c.stdout, "username:            %s\nid:                  %s\nemail:               %s\nname:                %s\ngiven name:          %s\nfamily name:         %s\nstatus:              %s\nrole:                %s\nrequire-mfa:         %s\nsecurity question:   %s\ncreated:             %s\nupdated:             %s\n",
			u.Username, u.ID, u.Email, u.Name, u.GivenName, u.FamilyName, userStatus(u), userRole(u), onOff(u.RequireMFA), question,
			u.CreatedAt.Format("2006-01-02 15:04:05 MST"), u.UpdatedAt.Format("2006-01-02 15:04:05 MST"))
		c.showLocks(rt.store.Now(), rt.cfg.Lockout.UnknownBrowserLimit, u)
		links, err := svc.Links(ctx, name)
		if err != nil {
			return err
		}
		for _, l := range links {
			if id, ok := strings.CutPrefix(l.Provider, "connector:"); ok {
				// A connector's account: its first factor is the connector's.
				name := ""
				if cc := rt.cfg.ConnectorByID(id); cc != nil {
					name = " (" + cc.Name + ")"
				}
				fmt.Fprintf(c.stdout, "connector:           %s%s, upstream identity %s (since %s)\n", id, name, l.Subject, displayTime(l.CreatedAt))
				continue
			}
			fmt.Fprintf(c.stdout, "linked identity:     %s %s (since %s)\n", l.Provider, l.Subject, displayTime(l.CreatedAt))
		}
		if err := c.showRemembered(ctx, svc, name); err != nil {
			return err
		}
		return c.showDevice(ctx, svc, u)
	})
}

// showLocks prints the user's lockout state and whether an enrollment code
// from a device reset is waiting to be used (never the code or its hash).
func (c *cli) showLocks(now time.Time, unknownBrowserLimit int, u *store.User) {
	loginLock := "none"
	if u.LoginLockedUntil > now.Unix() {
		locks := "locks"
		if u.LoginLockLevel == 1 {
			locks = "lock"
		}
		loginLock = fmt.Sprintf("until %s (after %d %s)", displayTime(time.Unix(u.LoginLockedUntil, 0)), u.LoginLockLevel, locks)
	}
	if u.UnknownFailures > 0 {
		loginLock += fmt.Sprintf("; %d consecutive failures from unknown browsers", u.UnknownFailures)
		if u.UnknownFailures >= unknownBrowserLimit {
			loginLock += " (the bound: unknown browsers need an emailed sign-in link, or otpgate user unlock " + u.Username + ")"
		}
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
	fmt.Fprintf(c.stdout, "login lock:          %s\npasscode lock:       %s\nenrollment code:     %s\n", loginLock, otpLock, proof)
}

// showDevice prints the user's authenticator (never its secret) and how
// many recovery codes are left.
func (c *cli) showDevice(ctx context.Context, svc *admin.Service, u *store.User) error {
	st, err := svc.Device(ctx, u)
	if err != nil {
		return err
	}
	d := st.Device
	if d == nil {
		fmt.Fprintln(c.stdout, "device:              none enrolled")
		return nil
	}
	lastUsed := "never"
	if d.LastUsedAt != nil {
		lastUsed = d.LastUsedAt.Format("2006-01-02 15:04:05 MST")
	}
	fmt.Fprintf(c.stdout, "device:              enrolled\ndevice app:          %s\nenrolled at:         %s\nlast used:           %s\nrecovery codes:      %d unused\n",
		appName(d.App), d.EnrolledAt.Format("2006-01-02 15:04:05 MST"), lastUsed, st.RecoveryCodesLeft)
	return nil
}

// appName is the display name of an authenticator app id.
func appName(id string) string {
	if name := templates.AppName("en", id); name != "" {
		return name
	}
	if id == "" {
		return "unknown"
	}
	return id
}

// userSetPassword sets a temporary password: the user must choose a new
// one at the next sign-in, and existing sessions and tokens are revoked.
func (c *cli) userSetPassword(ctx context.Context, args []string) error {
	const cmd = "user set-password"
	fs := c.flags(cmd)
	password := fs.String("password", "", "new temporary password")
	stdin := fs.Bool("password-stdin", false, "read the password from standard input")
	pos, err := c.parse(fs, args)
	if err != nil {
		return err
	}
	return c.userAction(ctx, cmd, pos, false, func(svc *admin.Service, _ *runtime, name string) error {
		if _, err := svc.User(ctx, name); err != nil {
			return err
		}
		pw, err := c.readPassword(*password, *stdin)
		if err == nil {
			err = requirePassword(pw)
		}
		if err != nil {
			return fmt.Errorf("%s: %w", cmd, err)
		}
		u, err := svc.SetPassword(ctx, c.auditActor(), name, pw)
		if err != nil {
			return err
		}
		fmt.Fprintf(c.stdout, "password of %s set; they must choose a new one at the next sign-in; sessions and tokens revoked\n", u.Username)
		return nil
	})
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
	return c.userAction(ctx, cmd, pos, false, func(svc *admin.Service, _ *runtime, name string) error {
		u, err := svc.SetDisabled(ctx, c.auditActor(), name, disabled)
		if err != nil {
			return err
		}
		if disabled {
			fmt.Fprintf(c.stdout, "disabled %s; sessions and tokens revoked\n", u.Username)
		} else {
			fmt.Fprintf(c.stdout, "enabled %s\n", u.Username)
		}
		return nil
	})
}

// userSetAdmin grants or revokes the administrator role (the web console
// at /admin); granting it turns the account's two-factor requirement on.
func (c *cli) userSetAdmin(ctx context.Context, args []string, on bool) error {
	cmd := "user revoke-admin"
	if on {
		cmd = "user grant-admin"
	}
	pos, err := c.parse(c.flags(cmd), args)
	if err != nil {
		return err
	}
	return c.userAction(ctx, cmd, pos, false, func(svc *admin.Service, _ *runtime, name string) error {
		u, err := svc.SetAdmin(ctx, c.auditActor(), name, on)
		if err != nil {
			return err
		}
		if on {
			fmt.Fprintf(c.stdout, "%s is an administrator (the console at /admin); two-factor sign-in is required\n", u.Username)
		} else {
			fmt.Fprintf(c.stdout, "%s is no longer an administrator\n", u.Username)
		}
		return nil
	})
}

// userRequireMFA turns the two-factor requirement on or off; with
// --enrollment-code it also issues the one-time code the person's first
// enrollment needs (mfa.enrollment_proof = admin).
func (c *cli) userRequireMFA(ctx context.Context, args []string) error {
	const cmd = "user require-mfa"
	fs := c.flags(cmd)
	withCode := fs.Bool("enrollment-code", false, "also issue the one-time enrollment code of the first device (shown once)")
	lifetime := fs.Duration("proof-lifetime", admin.DefaultProofLifetime, "how long the enrollment code stays valid")
	pos, err := c.parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 2 || (pos[1] != "on" && pos[1] != "off") {
		return errors.New("user require-mfa: usage: otpgate user require-mfa NAME on|off [--enrollment-code]")
	}
	on := pos[1] == "on"
	if *withCode && !on {
		return errors.New("user require-mfa: --enrollment-code goes with on")
	}
	if err := admin.CheckProofLifetime(*lifetime); err != nil {
		return adminError(cmd, "", err)
	}
	return c.userAction(ctx, cmd, pos[:1], *withCode, func(svc *admin.Service, _ *runtime, name string) error {
		u, err := svc.RequireMFA(ctx, c.auditActor(), name, on)
		if err != nil {
			return err
		}
		fmt.Fprintf(c.stdout, "two-factor requirement for %s: %s\n", u.Username, onOff(on))
		if !*withCode {
			return nil
		}
		res, err := svc.IssueEnrollmentCode(ctx, c.auditActor(), name, *lifetime)
		if res == nil {
			return err
		}
		return c.handOverCode(res, err, "the code above is valid")
	})
}

// userLink links (or unlinks) an Entra ID user to an account: user link
// NAME --entra-tenant TID --entra-oid OID.
func (c *cli) userLink(ctx context.Context, args []string, link bool) error {
	cmd := "user link"
	if !link {
		cmd = "user unlink"
	}
	fs := c.flags(cmd)
	tenant := fs.String("entra-tenant", "", "the Entra directory (tenant) id of the user")
	oid := fs.String("entra-oid", "", "the user's object id in Entra ID")
	pos, err := c.parse(fs, args)
	if err != nil {
		return err
	}
	return c.userAction(ctx, cmd, pos, false, func(svc *admin.Service, _ *runtime, name string) error {
		if !link {
			u, err := svc.UnlinkEntraUser(ctx, c.auditActor(), name, *tenant, *oid)
			if err == nil {
				fmt.Fprintf(c.stdout, "unlinked Entra user %s of tenant %s from %s\n", *oid, *tenant, u.Username)
			}
			return err
		}
		u, err := svc.LinkEntraUser(ctx, c.auditActor(), name, *tenant, *oid)
		if errors.Is(err, admin.ErrIdentityLinked) {
			return fmt.Errorf("Entra user %s of tenant %s is already linked to an account (otpgate user show names it; unlink it first)", *oid, *tenant)
		}
		if err == nil {
			fmt.Fprintf(c.stdout, "linked Entra user %s of tenant %s to %s\n", *oid, *tenant, u.Username)
		}
		return err
	})
}

// userRole names the account's role for user show.
func userRole(u *store.User) string {
	if u.Admin {
		return "admin"
	}
	return "user"
}
