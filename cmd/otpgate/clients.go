package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/otpgate/otpgate/config"
	"github.com/otpgate/otpgate/provider/admin"
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

func (c *cli) clientAdd(ctx context.Context, args []string) error {
	const cmd = "client add"
	fs := c.flags(cmd)
	id := fs.String("id", "", "client id")
	name := fs.String("name", "", "display name shown on the sign-in pages")
	var redirects, logouts listFlag
	fs.Var(&redirects, "redirect-uri", "redirect URI (repeatable; matched exactly)")
	fs.Var(&logouts, "post-logout-uri", "post-logout redirect URI (repeatable)")
	secret := fs.String("secret", "", "client secret (default: generate one and print it once)")
	public := fs.Bool("public", false, "public client (no secret; PKCE S256 required)")
	requireMFA := fs.Bool("require-mfa", false, "require two-factor sign-in for this client's users")
	var rememberBrowser optString
	fs.Var(&rememberBrowser, "remember-browser", rememberBrowserUsage)
	idTokenAlg := fs.String("id-token-alg", "", idTokenAlgUsage)
	entraEAM := fs.Bool("entra-eam", false, "a Microsoft Entra ID external authentication method (no secret; Microsoft's redirect URIs)")
	entraApp := fs.String("entra-app-id", "", "with --entra-eam: the application (client) id of the Entra app registration")
	var tenants listFlag
	fs.Var(&tenants, "entra-tenant", "with --entra-eam: a directory (tenant) id allowed to use it (repeatable)")
	factorOnly := fs.Bool("second-factor-only", false, "a factor-only client: it checks the first factor itself and names the user; otpgate asks the passcode only")
	trustHint := fs.Bool("trust-login-hint", false, "with --second-factor-only: a plain login_hint names the user (without a signed request object)")
	jwksFile := fs.String("jwks-file", "", "with --second-factor-only: the client's public keys (a JSON Web Key Set file), which sign its request objects (without it, they are signed HS256 with the client secret)")
	keyJWT := fs.Bool("private-key-jwt", false, "with --second-factor-only and --jwks-file: authenticate at the token endpoint with JWTs signed by those keys, instead of a secret")
	var grants, scopes listFlag
	fs.Var(&grants, "grant", "client_credentials: a machine client (automation calling the admin API) that gets tokens for itself")
	fs.Var(&scopes, "scope", "with --grant client_credentials: a scope it may be issued, admin:read or admin:write (repeatable)")
	if _, err := c.parse(fs, args); err != nil {
		return err
	}
	remember, err := onOffFlag(cmd, "remember-browser", rememberBrowser)
	if err != nil {
		return err
	}
	var jwks string
	if *jwksFile != "" {
		b, err := os.ReadFile(*jwksFile)
		if err != nil {
			return fmt.Errorf("%s: --jwks-file: %w", cmd, err)
		}
		jwks = string(b)
	}
	nc := admin.NewClient{ID: *id, Name: *name, RedirectURIs: redirects.values, PostLogoutURIs: logouts.values,
		Secret: *secret, Public: *public, RequireMFA: *requireMFA, RememberBrowser: remember != nil && *remember, IDTokenAlg: *idTokenAlg,
		EntraEAM: *entraEAM, EntraAppID: *entraApp, EntraTenants: tenants.values,
		SecondFactorOnly: *factorOnly, TrustLoginHint: *trustHint, JWKS: jwks, PrivateKeyJWT: *keyJWT,
		GrantTypes: grants.values, Scopes: scopes.values}
	if err := nc.Check(config.CheckRedirectURI); err != nil {
		return adminError(cmd, *id, err)
	}
	rt, svc, err := c.openAdmin(ctx, false)
	if err != nil {
		return err
	}
	defer rt.Close()
	added, err := svc.AddClient(ctx, c.auditActor(), nc)
	if err != nil {
		return adminError(cmd, *id, err)
	}
	fmt.Fprintf(c.stdout, "created %s client %s\n", admin.ClientKind(added.Client), *id)
	if added.Client.Mode == store.ModeEntraEAM {
		fmt.Fprintf(c.stdout, "in Entra ID, add an external authentication method with:\n  client id:     %s\n  discovery URL: %s/.well-known/openid-configuration\n  app id:        %s\n",
			*id, rt.cfg.Issuer, added.Client.EntraAppID)
	}
	if added.Secret != "" {
		fmt.Fprintf(c.stdout, "client secret (shown once, store it now): %s\n", added.Secret)
	}
	if cl := added.Client; cl.UsesClientCredentials() {
		fmt.Fprintf(c.stdout, "tokens: POST %s/oauth/token grant_type=client_credentials (scopes %s); API: %s/admin/api/v1\n",
			rt.cfg.EffectiveIssuer(), strings.Join(cl.AllowedScopes, " "), rt.cfg.EffectiveIssuer())
	}
	if cl := added.Client; cl.Mode == store.ModeSecondFactor && cl.SecretHash != "" {
		if cl.SecretSealed != nil {
			fmt.Fprintln(c.stdout, "its request objects may be signed HS256 with the client secret (kept encrypted for that)")
		} else {
			fmt.Fprintf(c.stdout, "the secret given is too weak to sign request objects HS256; otpgate client update %s --rotate-secret enables them\n", cl.ID)
		}
	}
	return nil
}

func (c *cli) clientList(ctx context.Context, args []string) error {
	if _, err := c.parse(c.flags("client list"), args); err != nil {
		return err
	}
	rt, svc, err := c.openAdmin(ctx, false)
	if err != nil {
		return err
	}
	defer rt.Close()
	clients, err := svc.Clients(ctx)
	if err != nil {
		return err
	}
	w := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "ID\tTYPE\tREQUIRE-MFA\tID-TOKEN-ALG\tSOURCE\tREDIRECT URIS")
	for _, cl := range clients {
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\n", cl.ID, admin.ClientKind(&cl), onOff(cl.RequireMFA), idTokenAlgColumn(&cl),
			clientSource(&cl), strings.Join(cl.RedirectURIs, " "))
	}
	return w.Flush()
}

// idTokenAlgUsage documents --id-token-alg.
const idTokenAlgUsage = "ID token signing algorithm: RS256 (the default; some relying parties accept only it), ES256 or EdDSA"

// idTokenAlgColumn is the client's ID token algorithm in one word, for
// the list: RS256 when it chose none.
func idTokenAlgColumn(cl *store.Client) string {
	if cl.IDTokenSignedResponseAlg == "" {
		return "RS256"
	}
	return cl.IDTokenSignedResponseAlg
}

func clientSource(cl *store.Client) string {
	if cl.FromConfig {
		return "config"
	}
	return "cli"
}

// clientAction runs one action on the client named by the single
// positional argument, mapping its error onto the command's message.
func (c *cli) clientAction(ctx context.Context, cmd string, pos []string, act func(svc *admin.Service, id string) error) error {
	if len(pos) != 1 {
		return fmt.Errorf("%s: give exactly one client id", cmd)
	}
	rt, svc, err := c.openAdmin(ctx, false)
	if err != nil {
		return err
	}
	defer rt.Close()
	return adminError(cmd, pos[0], act(svc, pos[0]))
}

func (c *cli) clientShow(ctx context.Context, args []string) error {
	pos, err := c.parse(c.flags("client show"), args)
	if err != nil {
		return err
	}
	return c.clientAction(ctx, "client show", pos, func(svc *admin.Service, id string) error {
		cl, err := svc.Client(ctx, id)
		if err != nil {
			return err
		}
		fmt.Fprintf(c.stdout, "id:               %s\nname:             %s\ntype:             %s\nrequire-mfa:      %s\nremember-browser: %s\nid-token-alg:     %s\nsource:           %s\nredirect URIs:    %s\npost-logout URIs: %s\ncreated:          %s\n",
			cl.ID, cl.Name, admin.ClientKind(cl), onOff(cl.RequireMFA), onOff(cl.RememberBrowser), admin.IDTokenAlg(cl), clientSource(cl),
			strings.Join(cl.RedirectURIs, " "), strings.Join(cl.PostLogoutRedirectURIs, " "),
			cl.CreatedAt.Format("2006-01-02 15:04:05 MST"))
		if cl.UsesClientCredentials() {
			fmt.Fprintf(c.stdout, "grant:            client_credentials\nscopes:           %s\n", strings.Join(cl.AllowedScopes, " "))
		}
		switch cl.Mode {
		case store.ModeEntraEAM:
			fmt.Fprintf(c.stdout, "entra app id:     %s\nentra tenants:    %s\n", cl.EntraAppID, strings.Join(cl.EntraTenants, " "))
		case store.ModeSecondFactor:
			auth := "client secret"
			if cl.UsesPrivateKeyJWT() {
				auth = "private_key_jwt"
			}
			fmt.Fprintf(c.stdout, "names users by:   %s\nregistered keys:  %s\nHS256 objects:    %s\ntoken auth:       %s\n",
				factorOnlyNaming(cl), yesNo(cl.JWKS != ""), admin.HS256RequestObjects(cl), auth)
		}
		return nil
	})
}

// factorOnlyNaming says how a factor-only client names its users.
func factorOnlyNaming(cl *store.Client) string {
	signed := cl.JWKS != "" || cl.SecretSealed != nil
	switch {
	case signed && cl.TrustLoginHint:
		return "signed request object, or plain login_hint"
	case cl.TrustLoginHint:
		return "plain login_hint"
	default:
		return "signed request object"
	}
}

func (c *cli) clientUpdate(ctx context.Context, args []string) error {
	const cmd = "client update"
	fs := c.flags(cmd)
	var redirects, logouts, addRedirects, removeRedirects, addLogouts, removeLogouts listFlag
	fs.Var(&redirects, "redirect-uri", "replace the redirect URIs (repeatable)")
	fs.Var(&logouts, "post-logout-uri", "replace the post-logout URIs (repeatable)")
	fs.Var(&addRedirects, "add-redirect-uri", "add one redirect URI, keeping the others (repeatable; one the client has is refused)")
	fs.Var(&removeRedirects, "remove-redirect-uri", "remove one redirect URI (repeatable; one the client lacks, or its last, is refused)")
	fs.Var(&addLogouts, "add-post-logout-redirect-uri", "add one post-logout URI, keeping the others (repeatable)")
	fs.Var(&removeLogouts, "remove-post-logout-redirect-uri", "remove one post-logout URI (repeatable)")
	var name, requireMFA, idTokenAlg, rememberBrowser optString
	fs.Var(&name, "name", "display name")
	fs.Var(&requireMFA, "require-mfa", "on or off")
	fs.Var(&rememberBrowser, "remember-browser", rememberBrowserUsage)
	fs.Var(&idTokenAlg, "id-token-alg", idTokenAlgUsage)
	rotate := fs.Bool("rotate-secret", false, "generate a new secret and print it once")
	pos, err := c.parse(fs, args)
	if err != nil {
		return err
	}
	change := admin.ClientChange{RotateSecret: *rotate,
		AddRedirectURIs: addRedirects.values, RemoveRedirectURIs: removeRedirects.values,
		AddPostLogoutURIs: addLogouts.values, RemovePostLogoutURIs: removeLogouts.values}
	if redirects.set {
		change.RedirectURIs = &redirects.values
	}
	if logouts.set {
		change.PostLogoutURIs = &logouts.values
	}
	if idTokenAlg.set {
		change.IDTokenAlg = &idTokenAlg.value
	}
	if err := change.Check(config.CheckRedirectURI); err != nil {
		return adminError(cmd, "", err)
	}
	if name.set {
		change.Name = &name.value
	}
	if requireMFA.set {
		if requireMFA.value != "on" && requireMFA.value != "off" {
			return errors.New(cmd + ": --require-mfa takes on or off")
		}
		on := requireMFA.value == "on"
		change.RequireMFA = &on
	}
	if change.RememberBrowser, err = onOffFlag(cmd, "remember-browser", rememberBrowser); err != nil {
		return err
	}
	return c.clientAction(ctx, cmd, pos, func(svc *admin.Service, id string) error {
		secret, err := svc.UpdateClient(ctx, c.auditActor(), id, change)
		if err != nil {
			return err
		}
		fmt.Fprintf(c.stdout, "updated client %s\n", id)
		if secret != "" {
			fmt.Fprintf(c.stdout, "client secret (shown once, store it now): %s\n", secret)
		}
		return nil
	})
}

func (c *cli) clientRemove(ctx context.Context, args []string) error {
	pos, err := c.parse(c.flags("client remove"), args)
	if err != nil {
		return err
	}
	return c.clientAction(ctx, "client remove", pos, func(svc *admin.Service, id string) error {
		if err := svc.RemoveClient(ctx, c.auditActor(), id); err != nil {
			return err
		}
		fmt.Fprintf(c.stdout, "removed client %s and revoked its tokens\n", id)
		return nil
	})
}

// rememberBrowserUsage documents --remember-browser.
const rememberBrowserUsage = "on or off: sign-ins to this client may remember a browser that passed a passcode, for mfa.remember_browser_days (default off)"

// onOffFlag is the value of an on|off flag (nil when it was not given).
func onOffFlag(cmd, name string, f optString) (*bool, error) {
	if !f.set {
		return nil, nil
	}
	if f.value != "on" && f.value != "off" {
		return nil, fmt.Errorf("%s: --%s takes on or off", cmd, name)
	}
	on := f.value == "on"
	return &on, nil
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

// given is the flag's value when it was given, else nil.
func (o *optString) given() *string {
	if !o.set {
		return nil
	}
	return &o.value
}

var _ flag.Value = (*optString)(nil)

// yesNo is "yes" or "no".
func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}
