package admin

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/otpgate/otpgate/provider/entra"
	"github.com/otpgate/otpgate/provider/protocol"
	"github.com/otpgate/otpgate/provider/store"
)

// NewClient is a relying application to register.
type NewClient struct {
	ID             string
	Name           string
	RedirectURIs   []string
	PostLogoutURIs []string
	// Secret is the confidential client's secret; empty generates one
	// (returned once in AddedClient.Secret). A public client has none. A
	// factor-only client's secret is also kept sealed, for the HS256
	// request objects it may sign with it, when it is strong enough
	// (every generated secret is).
	Secret     string
	Public     bool
	RequireMFA bool
	// RememberBrowser lets its sign-ins remember a browser that passed a
	// passcode (when the operator allows it); not for factor-only, Entra
	// or machine clients, whose passcode is the only factor or who sign
	// nobody in.
	RememberBrowser bool
	// IDTokenAlg is the algorithm its ID tokens are signed with (RS256,
	// ES256 or EdDSA); empty is the default, RS256.
	IDTokenAlg string
	// EntraEAM registers a Microsoft Entra ID external authentication
	// method: EntraAppID is the Entra application its hints are issued to,
	// EntraTenants the tenants allowed. Its redirect URIs are Microsoft's
	// (entra.RedirectURIs); it has no secret.
	EntraEAM     bool
	EntraAppID   string
	EntraTenants []string
	// SecondFactorOnly registers a factor-only client: it performed the
	// first factor itself and names the user, by a request object signed
	// with a key of JWKS (its public key set, JSON) or HS256 with its
	// secret, or, with TrustLoginHint, by a plain login_hint; otpgate asks
	// the passcode only.
	SecondFactorOnly bool
	TrustLoginHint   bool
	JWKS             string
	// PrivateKeyJWT: the factor-only client authenticates at the token
	// endpoint with JWTs signed by its keys (private_key_jwt), and has no
	// secret.
	PrivateKeyJWT bool
	// GrantTypes, when they name store.GrantClientCredentials, register a
	// machine client: it authenticates with its secret and gets tokens for
	// itself for its Scopes (the admin API's); it has no redirect URIs and
	// signs nobody in.
	GrantTypes []string
	Scopes     []string
}

// AddedClient is a registered client and, when one was generated, its
// secret (returned once; only its hash is stored, and for a factor-only
// client its sealed copy).
type AddedClient struct {
	Client *store.Client
	Secret string
}

// ClientChange is a change to a client; nil fields are left as they are.
type ClientChange struct {
	Name *string
	// RedirectURIs and PostLogoutURIs replace the whole list.
	RedirectURIs   *[]string
	PostLogoutURIs *[]string
	// AddRedirectURIs and RemoveRedirectURIs add and remove single
	// redirect URIs and keep the others; they do not go with RedirectURIs.
	// Adding one the client has, or removing one it lacks, is refused (an
	// *InputError), and so is removing its last redirect URI.
	AddRedirectURIs, RemoveRedirectURIs []string
	// AddPostLogoutURIs and RemovePostLogoutURIs do the same for the
	// post-logout URIs, which may all go.
	AddPostLogoutURIs, RemovePostLogoutURIs []string
	RequireMFA                              *bool
	// RememberBrowser sets whether its sign-ins may remember a browser.
	RememberBrowser *bool
	// IDTokenAlg sets the ID token signing algorithm.
	IDTokenAlg *string
	// RotateSecret generates a new secret (returned once).
	RotateSecret bool
}

// Client returns the client with id.
func (s *Service) Client(ctx context.Context, id string) (*store.Client, error) {
	cl, err := s.store.ClientByID(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, fmt.Errorf("%w: %q", ErrClientNotFound, id)
	}
	if err != nil {
		return nil, fmt.Errorf("load client: %w", err)
	}
	return cl, nil
}

// Clients returns every client, ordered by id.
func (s *Service) Clients(ctx context.Context) ([]store.Client, error) {
	clients, err := s.store.ListClients(ctx)
	if err != nil {
		return nil, fmt.Errorf("list clients: %w", err)
	}
	return clients, nil
}

// MayRememberBrowser reports whether cl may let a remembered browser
// skip the passcode: it signs people in with otpgate's password first
// (not factor-only, Entra or a machine client).
func MayRememberBrowser(cl *store.Client) bool {
	return cl.Mode == store.ModeFull && !cl.UsesClientCredentials()
}

// ClientKind is "public" or "confidential".
func ClientKind(cl *store.Client) string {
	if cl.UsesClientCredentials() {
		return "machine"
	}
	switch cl.Mode {
	case store.ModeEntraEAM:
		return "entra-eam"
	case store.ModeSecondFactor:
		if cl.Public {
			return "second-factor-only public"
		}
		return "second-factor-only confidential"
	}
	if cl.Public {
		return "public"
	}
	return "confidential"
}

// AddClient registers a client.
func (s *Service) AddClient(ctx context.Context, actor string, nc NewClient) (*AddedClient, error) {
	if err := checkActor(actor); err != nil {
		return nil, err
	}
	if err := nc.Check(s.checkURI); err != nil {
		return nil, err
	}
	row := &store.Client{ID: nc.ID, Name: nc.Name, Public: nc.Public, RequireMFA: nc.RequireMFA, RememberBrowser: nc.RememberBrowser,
		IDTokenSignedResponseAlg: nc.IDTokenAlg,
		RedirectURIs:             nc.RedirectURIs, PostLogoutRedirectURIs: store.StringList(nc.PostLogoutURIs),
		EntraTenants: store.StringList{}}
	if row.PostLogoutRedirectURIs == nil {
		row.PostLogoutRedirectURIs = store.StringList{}
	}
	if nc.EntraEAM {
		row.Mode, row.EntraAppID, row.RequireMFA = store.ModeEntraEAM, strings.ToLower(nc.EntraAppID), true
		row.RedirectURIs = entra.RedirectURIs()
		for _, t := range nc.EntraTenants {
			row.EntraTenants = append(row.EntraTenants, strings.ToLower(t))
		}
	}
	if nc.SecondFactorOnly {
		row.Mode, row.TrustLoginHint, row.JWKS, row.RequireMFA = store.ModeSecondFactor, nc.TrustLoginHint, nc.JWKS, true
	}
	row.GrantTypes, row.AllowedScopes = store.StringList{}, store.StringList{}
	if nc.machine() {
		row.GrantTypes = store.StringList{store.GrantClientCredentials}
		row.AllowedScopes = store.StringList(slices.Compact(slices.Sorted(slices.Values(nc.Scopes))))
		row.RedirectURIs = store.StringList{}
	}
	out := &AddedClient{Client: row}
	if !nc.Public && !nc.EntraEAM && !nc.PrivateKeyJWT {
		secret := nc.Secret
		if secret == "" {
			var err error
			if secret, err = s.newToken(); err != nil {
				return nil, err
			}
			out.Secret = secret
		}
		row.SecretHash = s.hasher.HashClientSecret(secret)
		row.SecretSealed = s.sealedSecret(row, secret)
	}
	err := s.run(ctx, actor, change{
		apply: func(ctx context.Context) error {
			if err := s.store.CreateClient(ctx, row); errors.Is(err, store.ErrConflict) {
				return fmt.Errorf("%w: %q", ErrClientExists, row.ID)
			} else if err != nil {
				return fmt.Errorf("create client: %w", err)
			}
			return nil
		},
		event: clientEvent(row.ID, addDetail(row, out.Secret != "")),
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// addDetail is the audit detail of a new client (never the secret).
func addDetail(row *store.Client, generated bool) string {
	detail := "created " + ClientKind(row) + " client"
	switch {
	case generated:
		detail += " (secret generated)"
	case !row.Public:
		detail += " (secret given)"
	}
	if row.SecretSealed != nil {
		detail += "; secret kept sealed for HS256 request objects"
	}
	detail += "; redirect URIs: " + strings.Join(row.RedirectURIs, " ")
	if len(row.PostLogoutRedirectURIs) > 0 {
		detail += "; post-logout URIs: " + strings.Join(row.PostLogoutRedirectURIs, " ")
	}
	detail += "; require-mfa " + onOff(row.RequireMFA)
	if row.RememberBrowser {
		detail += "; remember-browser on"
	}
	if row.IDTokenSignedResponseAlg != "" {
		detail += "; id-token-alg " + row.IDTokenSignedResponseAlg
	}
	if row.UsesClientCredentials() {
		detail += "; grant client_credentials; scopes " + strings.Join(row.AllowedScopes, " ")
	}
	return detail
}

// IDTokenAlg is the algorithm the client's ID tokens are signed with, for
// display: "RS256 (default)" when it chose none.
func IDTokenAlg(cl *store.Client) string { return algName(cl.IDTokenSignedResponseAlg) }

func algName(setting string) string {
	if setting == "" {
		return string(protocol.DefaultSigningAlgorithm) + " (default)"
	}
	return setting
}

// UpdateClient changes a client registered by an administrator (clients
// declared in the configuration file are changed there). It returns the
// new secret when one was rotated, else "". The client is read and
// written in one store transaction (EditClient), so that single URIs
// added or removed by two administrators at once are all kept.
func (s *Service) UpdateClient(ctx context.Context, actor, id string, c ClientChange) (string, error) {
	if err := checkActor(actor); err != nil {
		return "", err
	}
	if err := c.Check(s.checkURI); err != nil {
		return "", err
	}
	u, changes := c.update()
	if u.Empty() && !c.RotateSecret && !c.editsURIs() {
		return "", invalid("", "nothing to change")
	}
	secret := ""
	if c.RotateSecret {
		var err error
		if secret, err = s.newToken(); err != nil {
			return "", err
		}
		h := s.hasher.HashClientSecret(secret)
		u.SecretHash = &h
		changes = append(changes, "secret rotated")
	}
	err := s.run(ctx, actor, change{
		apply: func(ctx context.Context) error {
			var refused error
			err := s.store.EditClient(ctx, id, func(cl *store.Client) (store.ClientUpdate, error) {
				edited, err := c.edit(cl, u)
				if err == nil && c.RotateSecret {
					// The old secret's sealed copy goes with its hash.
					sealed := s.sealedSecret(cl, secret)
					edited.SecretSealed = &sealed
				}
				refused = err
				return edited, err
			})
			if refused != nil {
				return refused
			}
			return s.clientUpdate(err, id)
		},
		event: clientEvent(id, strings.Join(changes, "; ")),
	})
	if err != nil {
		return "", err
	}
	return secret, nil
}

// edit completes u for the client as stored: it refuses a client of the
// configuration file and a secret for a public client, and applies the
// single URIs added and removed to the client's lists.
func (c ClientChange) edit(cl *store.Client, u store.ClientUpdate) (store.ClientUpdate, error) {
	if cl.FromConfig {
		return u, fmt.Errorf("%w: %q", ErrClientFromConfig, cl.ID)
	}
	if c.RotateSecret && cl.Public {
		return u, fmt.Errorf("%w: %q", ErrPublicClient, cl.ID)
	}
	if c.RememberBrowser != nil && *c.RememberBrowser && !MayRememberBrowser(cl) {
		// As at AddClient: a passcode that is the only factor is never
		// skipped.
		return u, invalid("remember-browser", rememberRefused)
	}
	if len(c.AddRedirectURIs)+len(c.RemoveRedirectURIs) > 0 {
		l, err := editURIs(cl.ID, "redirect URI", redirectEdit, cl.RedirectURIs, c.AddRedirectURIs, c.RemoveRedirectURIs)
		if err != nil {
			return u, err
		}
		if len(l) == 0 {
			return u, invalid(redirectEdit.remove, fmt.Sprintf("%s would leave client %q without a redirect URI "+
				"(at least one is required); add its replacement in the same change", redirectEdit.remove, cl.ID))
		}
		u.RedirectURIs = &l
	}
	if len(c.AddPostLogoutURIs)+len(c.RemovePostLogoutURIs) > 0 {
		l, err := editURIs(cl.ID, "post-logout URI", postLogoutEdit, cl.PostLogoutRedirectURIs, c.AddPostLogoutURIs, c.RemovePostLogoutURIs)
		if err != nil {
			return u, err
		}
		u.PostLogoutRedirectURIs = &l
	}
	return u, nil
}

// editURIs returns list without remove and with add appended. It refuses
// to remove a URI the list lacks and to add one it has: either means the
// administrator's idea of the client is not what is stored.
func editURIs(id, what string, f uriEditFields, list, add, remove []string) (store.StringList, error) {
	out := slices.Clone(list)
	for _, uri := range remove {
		i := slices.Index(out, uri)
		if i < 0 {
			return nil, invalid(f.remove, fmt.Sprintf("%s %q is not a %s of client %q", f.remove, uri, what, id))
		}
		out = slices.Delete(out, i, i+1)
	}
	for _, uri := range add {
		if slices.Contains(out, uri) {
			return nil, invalid(f.add, fmt.Sprintf("%s %q is already a %s of client %q", f.add, uri, what, id))
		}
		out = append(out, uri)
	}
	return store.StringList(out), nil
}

// editsURIs reports whether the change adds or removes single URIs.
func (c ClientChange) editsURIs() bool {
	return len(c.AddRedirectURIs)+len(c.RemoveRedirectURIs)+len(c.AddPostLogoutURIs)+len(c.RemovePostLogoutURIs) > 0
}

// RotateSecret gives a confidential client a new generated secret and
// returns it (once).
func (s *Service) RotateSecret(ctx context.Context, actor, id string) (string, error) {
	return s.UpdateClient(ctx, actor, id, ClientChange{RotateSecret: true})
}

// update maps the change onto the store's update (the lists it replaces;
// single URIs are added and removed by edit) and the words the audit event
// uses for it (the secret rotation aside).
func (c ClientChange) update() (store.ClientUpdate, []string) {
	var u store.ClientUpdate
	var changes []string
	if c.RedirectURIs != nil {
		l := store.StringList(*c.RedirectURIs)
		u.RedirectURIs = &l
		changes = append(changes, "redirect URIs replaced: "+strings.Join(l, " "))
	}
	if c.PostLogoutURIs != nil {
		l := store.StringList(*c.PostLogoutURIs)
		u.PostLogoutRedirectURIs = &l
		changes = append(changes, "post-logout URIs replaced: "+strings.Join(l, " "))
	}
	for _, e := range []struct {
		words string
		uris  []string
	}{
		{"redirect URIs added: ", c.AddRedirectURIs},
		{"redirect URIs removed: ", c.RemoveRedirectURIs},
		{"post-logout URIs added: ", c.AddPostLogoutURIs},
		{"post-logout URIs removed: ", c.RemovePostLogoutURIs},
	} {
		if len(e.uris) > 0 {
			changes = append(changes, e.words+strings.Join(e.uris, " "))
		}
	}
	if c.Name != nil {
		u.Name = c.Name
		changes = append(changes, fmt.Sprintf("name set to %q", *c.Name))
	}
	if c.RequireMFA != nil {
		u.RequireMFA = c.RequireMFA
		changes = append(changes, "set require-mfa "+onOff(*c.RequireMFA))
	}
	if c.RememberBrowser != nil {
		u.RememberBrowser = c.RememberBrowser
		changes = append(changes, "set remember-browser "+onOff(*c.RememberBrowser))
	}
	if c.IDTokenAlg != nil {
		u.IDTokenSignedResponseAlg = c.IDTokenAlg
		changes = append(changes, "set id-token-alg "+algName(*c.IDTokenAlg))
	}
	return u, changes
}

// RemoveClient removes a client registered by an administrator and
// revokes every token issued to it.
func (s *Service) RemoveClient(ctx context.Context, actor, id string) error {
	if err := checkActor(actor); err != nil {
		return err
	}
	cl, err := s.managedClient(ctx, id)
	if err != nil {
		return err
	}
	return s.run(ctx, actor, change{
		apply: func(ctx context.Context) error { return s.clientUpdate(s.store.DeleteClient(ctx, cl.ID), cl.ID) },
		event: clientEvent(cl.ID, "client removed; its tokens revoked"),
	})
}

// managedClient loads a client that the service may change: not one
// declared in the configuration file.
func (s *Service) managedClient(ctx context.Context, id string) (*store.Client, error) {
	cl, err := s.Client(ctx, id)
	if err != nil {
		return nil, err
	}
	if cl.FromConfig {
		return nil, fmt.Errorf("%w: %q", ErrClientFromConfig, cl.ID)
	}
	return cl, nil
}

// clientUpdate maps a store error of a change to client id.
func (s *Service) clientUpdate(err error, id string) error {
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("%w: %q", ErrClientNotFound, id)
	}
	if err != nil {
		return fmt.Errorf("change client %s: %w", id, err)
	}
	return nil
}
