package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"regexp"
	"strings"
	"text/tabwriter"

	"github.com/otpgate/otpgate/config"
	"github.com/otpgate/otpgate/provider/credential"
	"github.com/otpgate/otpgate/provider/store"
)

// listFlag collects a repeatable flag.
type listFlag struct {
	values []string
	set    bool
}

func (l *listFlag) String() string { return strings.Join(l.values, ",") }
func (l *listFlag) Set(v string) error {
	l.values, l.set = append(l.values, v), true
	return nil
}

var clientIDPattern = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

// minClientSecret is the shortest secret accepted from --secret.
const minClientSecret = 16

// client dispatches the client subcommands.
func (c *cli) client(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return errors.New("client: missing subcommand (add, list, show, update, remove)")
	}
	sub, args := args[0], args[1:]
	switch sub {
	case "add":
		return c.clientAdd(ctx, args)
	case "list":
		return c.clientList(ctx, args)
	case "show":
		return c.clientShow(ctx, args)
	case "update":
		return c.clientUpdate(ctx, args)
	case "remove":
		return c.clientRemove(ctx, args)
	default:
		return fmt.Errorf("client: unknown subcommand %q", sub)
	}
}

func checkURIs(cmd, flagName string, uris []string) error {
	for _, u := range uris {
		if err := config.CheckRedirectURI(u); err != nil {
			return fmt.Errorf("%s: --%s %q: %v", cmd, flagName, u, err)
		}
	}
	return nil
}

func (c *cli) clientAdd(ctx context.Context, args []string) error {
	fs := c.flags("client add")
	id := fs.String("id", "", "client id")
	name := fs.String("name", "", "display name shown on the sign-in pages")
	var redirects, logouts listFlag
	fs.Var(&redirects, "redirect-uri", "redirect URI (repeatable; matched exactly)")
	fs.Var(&logouts, "post-logout-uri", "post-logout redirect URI (repeatable)")
	secret := fs.String("secret", "", "client secret (default: generate one and print it once)")
	public := fs.Bool("public", false, "public client (no secret; PKCE S256 required)")
	requireMFA := fs.Bool("require-mfa", false, "require two-factor sign-in for this client's users")
	if _, err := c.parse(fs, args); err != nil {
		return err
	}
	const cmd = "client add"
	switch {
	case !clientIDPattern.MatchString(*id):
		return errors.New(cmd + ": --id is required (1-64 of A-Z a-z 0-9 . _ -)")
	case len(redirects.values) == 0:
		return errors.New(cmd + ": at least one --redirect-uri is required")
	case *public && *secret != "":
		return errors.New(cmd + ": a --public client has no --secret")
	case *secret != "" && len(*secret) < minClientSecret:
		return fmt.Errorf("%s: --secret must be at least %d characters", cmd, minClientSecret)
	}
	if err := checkURIs(cmd, "redirect-uri", redirects.values); err != nil {
		return err
	}
	if err := checkURIs(cmd, "post-logout-uri", logouts.values); err != nil {
		return err
	}
	rt, err := c.open(ctx)
	if err != nil {
		return err
	}
	defer rt.Close()
	row := &store.Client{ID: *id, Name: *name, Public: *public, RequireMFA: *requireMFA,
		RedirectURIs: redirects.values, PostLogoutRedirectURIs: store.StringList(logouts.values)}
	if row.PostLogoutRedirectURIs == nil {
		row.PostLogoutRedirectURIs = store.StringList{}
	}
	generated := ""
	if !*public {
		s := *secret
		if s == "" {
			s = credential.NewToken()
			generated = s
		}
		row.SecretHash = rt.hasher.Hash(s)
	}
	if err := rt.store.CreateClient(ctx, row); err != nil {
		if errors.Is(err, store.ErrConflict) {
			return fmt.Errorf("%s: client %q already exists", cmd, *id)
		}
		return err
	}
	kind := clientKind(row)
	detail := "created " + kind + " client"
	switch {
	case generated != "":
		detail += " (secret generated)"
	case !*public:
		detail += " (secret given)"
	}
	detail += "; redirect URIs: " + strings.Join(row.RedirectURIs, " ")
	if len(row.PostLogoutRedirectURIs) > 0 {
		detail += "; post-logout URIs: " + strings.Join(row.PostLogoutRedirectURIs, " ")
	}
	detail += "; require-mfa " + onOff(row.RequireMFA)
	if err := c.record(ctx, rt, cmd, clientEvent(row.ID, detail)); err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "created %s client %s\n", kind, *id)
	if generated != "" {
		fmt.Fprintf(c.stdout, "client secret (shown once, store it now): %s\n", generated)
	}
	return nil
}

func (c *cli) clientList(ctx context.Context, args []string) error {
	if _, err := c.parse(c.flags("client list"), args); err != nil {
		return err
	}
	rt, err := c.open(ctx)
	if err != nil {
		return err
	}
	defer rt.Close()
	clients, err := rt.store.ListClients(ctx)
	if err != nil {
		return err
	}
	w := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "ID\tTYPE\tREQUIRE-MFA\tSOURCE\tREDIRECT URIS")
	for _, cl := range clients {
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", cl.ID, clientKind(&cl), onOff(cl.RequireMFA), clientSource(&cl), strings.Join(cl.RedirectURIs, " "))
	}
	return w.Flush()
}

func clientKind(cl *store.Client) string {
	if cl.Public {
		return "public"
	}
	return "confidential"
}

func clientSource(cl *store.Client) string {
	if cl.FromConfig {
		return "config"
	}
	return "cli"
}

// loadClient opens the runtime and finds one client by the positional id.
func (c *cli) loadClient(ctx context.Context, cmd string, pos []string) (*runtime, *store.Client, error) {
	if len(pos) != 1 {
		return nil, nil, fmt.Errorf("%s: give exactly one client id", cmd)
	}
	rt, err := c.open(ctx)
	if err != nil {
		return nil, nil, err
	}
	cl, err := rt.store.ClientByID(ctx, pos[0])
	if err != nil {
		rt.Close()
		if errors.Is(err, store.ErrNotFound) {
			return nil, nil, fmt.Errorf("%s: no client %q", cmd, pos[0])
		}
		return nil, nil, err
	}
	return rt, cl, nil
}

func (c *cli) clientShow(ctx context.Context, args []string) error {
	pos, err := c.parse(c.flags("client show"), args)
	if err != nil {
		return err
	}
	rt, cl, err := c.loadClient(ctx, "client show", pos)
	if err != nil {
		return err
	}
	defer rt.Close()
	fmt.Fprintf(c.stdout, "id:               %s\nname:             %s\ntype:             %s\nrequire-mfa:      %s\nsource:           %s\nredirect URIs:    %s\npost-logout URIs: %s\ncreated:          %s\n",
		cl.ID, cl.Name, clientKind(cl), onOff(cl.RequireMFA), clientSource(cl),
		strings.Join(cl.RedirectURIs, " "), strings.Join(cl.PostLogoutRedirectURIs, " "),
		cl.CreatedAt.Format("2006-01-02 15:04:05 MST"))
	return nil
}

func (c *cli) clientUpdate(ctx context.Context, args []string) error {
	fs := c.flags("client update")
	var redirects, logouts listFlag
	fs.Var(&redirects, "redirect-uri", "replace the redirect URIs (repeatable)")
	fs.Var(&logouts, "post-logout-uri", "replace the post-logout URIs (repeatable)")
	var name, requireMFA optString
	fs.Var(&name, "name", "display name")
	fs.Var(&requireMFA, "require-mfa", "on or off")
	rotate := fs.Bool("rotate-secret", false, "generate a new secret and print it once")
	pos, err := c.parse(fs, args)
	if err != nil {
		return err
	}
	const cmd = "client update"
	if err := checkURIs(cmd, "redirect-uri", redirects.values); err != nil {
		return err
	}
	if err := checkURIs(cmd, "post-logout-uri", logouts.values); err != nil {
		return err
	}
	var fields store.ClientUpdate
	if redirects.set {
		l := store.StringList(redirects.values)
		fields.RedirectURIs = &l
	}
	if logouts.set {
		l := store.StringList(logouts.values)
		fields.PostLogoutRedirectURIs = &l
	}
	if name.set {
		fields.Name = &name.value
	}
	if requireMFA.set {
		if requireMFA.value != "on" && requireMFA.value != "off" {
			return errors.New(cmd + ": --require-mfa takes on or off")
		}
		on := requireMFA.value == "on"
		fields.RequireMFA = &on
	}
	rt, cl, err := c.loadClient(ctx, cmd, pos)
	if err != nil {
		return err
	}
	defer rt.Close()
	if cl.FromConfig {
		return fmt.Errorf("%s: client %q is declared in the configuration file; change it there", cmd, cl.ID)
	}
	secret := ""
	if *rotate {
		if cl.Public {
			return fmt.Errorf("%s: client %q is public and has no secret", cmd, cl.ID)
		}
		secret = credential.NewToken()
		h := rt.hasher.Hash(secret)
		fields.SecretHash = &h
	}
	if fields.Empty() {
		return errors.New(cmd + ": nothing to change (see otpgate client update -h)")
	}
	if err := rt.store.UpdateClient(ctx, cl.ID, fields); err != nil {
		return err
	}
	var changes []string
	if redirects.set {
		changes = append(changes, "redirect URIs replaced: "+strings.Join(redirects.values, " "))
	}
	if logouts.set {
		changes = append(changes, "post-logout URIs replaced: "+strings.Join(logouts.values, " "))
	}
	if name.set {
		changes = append(changes, fmt.Sprintf("name set to %q", name.value))
	}
	if requireMFA.set {
		changes = append(changes, "set require-mfa "+requireMFA.value)
	}
	if secret != "" {
		changes = append(changes, "secret rotated")
	}
	if err := c.record(ctx, rt, cmd, clientEvent(cl.ID, strings.Join(changes, "; "))); err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "updated client %s\n", cl.ID)
	if secret != "" {
		fmt.Fprintf(c.stdout, "client secret (shown once, store it now): %s\n", secret)
	}
	return nil
}

func (c *cli) clientRemove(ctx context.Context, args []string) error {
	pos, err := c.parse(c.flags("client remove"), args)
	if err != nil {
		return err
	}
	rt, cl, err := c.loadClient(ctx, "client remove", pos)
	if err != nil {
		return err
	}
	defer rt.Close()
	if cl.FromConfig {
		return fmt.Errorf("client remove: client %q is declared in the configuration file; remove it there", cl.ID)
	}
	if err := rt.store.DeleteClient(ctx, cl.ID); err != nil {
		return err
	}
	if err := c.record(ctx, rt, "client remove", clientEvent(cl.ID, "client removed; its tokens revoked")); err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "removed client %s and revoked its tokens\n", cl.ID)
	return nil
}

// clientEvent is an audit event about client id.
func clientEvent(id, detail string) store.AuditEvent {
	return store.AuditEvent{Event: store.EventAdminClient, ClientID: id, Detail: detail}
}

// optString is a flag that records whether it was given.
type optString struct {
	value string
	set   bool
}

func (o *optString) String() string { return o.value }
func (o *optString) Set(v string) error {
	o.value, o.set = v, true
	return nil
}

var _ flag.Value = (*optString)(nil)
