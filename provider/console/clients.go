package console

import (
	"errors"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/otpgate/otpgate/provider/admin"
	"github.com/otpgate/otpgate/provider/portal"
	"github.com/otpgate/otpgate/provider/store"
	"github.com/otpgate/otpgate/templates"
)

// builtIn reports whether id is one of otpgate's own clients (not in
// the database; never changed).
func builtIn(id string) bool { return id == portal.Console.ClientID || id == portal.Account.ClientID }

// clients lists the clients, with the form that registers one.
func (k *Console) clients(c echo.Context) error {
	v := portal.ViewerOf(c)
	return k.clientsPage(c, http.StatusOK, templates.ConsoleClientsPage{Base: v.Base(), Nav: nav(v, "clients"), Flash: flash(c)})
}

// clientsPage draws the clients page with status, listing the clients
// into page.
func (k *Console) clientsPage(c echo.Context, status int, page templates.ConsoleClientsPage) error {
	rows, err := k.svc.Clients(c.Request().Context())
	if err != nil {
		return fail(err)
	}
	for i := range rows {
		cl := &rows[i]
		page.Clients = append(page.Clients, templates.ConsoleClientRow{ID: cl.ID, PathID: pathName(cl.ID), Name: cl.Name,
			Kind: admin.ClientKind(cl), RequireMFA: cl.RequireMFA, FromConfig: cl.FromConfig, BuiltIn: builtIn(cl.ID)})
	}
	return k.draw(c, status, page)
}

// addClient registers a client that signs people in (form fields id,
// name, redirect_uri, post_logout_uri, type = confidential|public,
// require_mfa). A confidential client's generated secret is shown in the
// answer, once; a refusal draws the form again, refilled.
func (k *Console) addClient(c echo.Context) error {
	v := portal.ViewerOf(c)
	in := templates.ConsoleNewClient{ID: strings.TrimSpace(c.FormValue("id")), Name: strings.TrimSpace(c.FormValue("name")),
		RedirectURI: strings.TrimSpace(c.FormValue("redirect_uri")), PostLogoutURI: strings.TrimSpace(c.FormValue("post_logout_uri")),
		Public: c.FormValue("type") == "public", RequireMFA: c.FormValue("require_mfa") == "on"}
	nc := admin.NewClient{ID: in.ID, Name: in.Name, Public: in.Public, RequireMFA: in.RequireMFA}
	if in.RedirectURI != "" {
		nc.RedirectURIs = []string{in.RedirectURI}
	}
	if in.PostLogoutURI != "" {
		nc.PostLogoutURIs = []string{in.PostLogoutURI}
	}
	var err error
	if t := c.FormValue("type"); t != "public" && t != "confidential" {
		err = &admin.InputError{Field: "type", Message: "type must be confidential or public"}
	}
	var added *admin.AddedClient
	if err == nil {
		added, err = k.svc.AddClient(c.Request().Context(), actor(v), nc)
	}
	if err != nil {
		status, m, ok := alert(err)
		if !ok {
			return fail(err)
		}
		page := templates.ConsoleClientsPage{Base: v.Base(), Nav: nav(v, "clients"), New: in}
		page.Base.Error = m
		page.New.Field = formField(err)
		return k.clientsPage(c, status, page)
	}
	if added.Secret == "" {
		return done(c, "/admin/clients/"+pathName(added.Client.ID), "client-created")
	}
	return k.draw(c, http.StatusOK, templates.ConsoleSecretPage{Base: v.Base(), Nav: nav(v, "clients"),
		ClientID: added.Client.ID, PathID: pathName(added.Client.ID), Secret: added.Secret})
}

// addMachineClient registers a machine client of the admin API (form
// fields machine_id, machine_name, scope = admin:read|admin:write): its
// generated secret is shown in the answer, once; a refusal draws the form
// again, refilled.
func (k *Console) addMachineClient(c echo.Context) error {
	v := portal.ViewerOf(c)
	scope := c.FormValue("scope")
	in := templates.ConsoleNewMachine{ID: strings.TrimSpace(c.FormValue("machine_id")),
		Name: strings.TrimSpace(c.FormValue("machine_name")), Write: scope == store.ScopeAdminWrite}
	var err error
	if scope != store.ScopeAdminRead && scope != store.ScopeAdminWrite {
		err = &admin.InputError{Field: "scope", Message: "scope must be admin:read or admin:write"}
	}
	var added *admin.AddedClient
	if err == nil {
		added, err = k.svc.AddClient(c.Request().Context(), actor(v), admin.NewClient{ID: in.ID, Name: in.Name,
			GrantTypes: []string{store.GrantClientCredentials}, Scopes: []string{scope}})
	}
	if err != nil {
		status, m, ok := alert(err)
		if !ok {
			return fail(err)
		}
		page := templates.ConsoleClientsPage{Base: v.Base(), Nav: nav(v, "clients"), NewMachine: in}
		page.Base.Error = m
		if f := formField(err); f == "id" {
			page.NewMachine.Field = "machine_id"
		}
		return k.clientsPage(c, status, page)
	}
	return k.draw(c, http.StatusOK, templates.ConsoleSecretPage{Base: v.Base(), Nav: nav(v, "clients"),
		ClientID: added.Client.ID, PathID: pathName(added.Client.ID), Secret: added.Secret})
}

// formField is the console form's field of a refused input ("" when it
// names none of them).
func formField(err error) string {
	if errors.Is(err, admin.ErrClientExists) {
		return "id"
	}
	var in *admin.InputError
	if !errors.As(err, &in) {
		return ""
	}
	switch in.Field {
	case "id":
		return "id"
	case "redirect-uri", "add-redirect-uri", "remove-redirect-uri":
		return "redirect_uri"
	case "post-logout-uri", "add-post-logout-redirect-uri", "remove-post-logout-redirect-uri":
		return "post_logout_uri"
	}
	return ""
}

// client is a client's page with its edit forms.
func (k *Console) client(c echo.Context) error {
	v := portal.ViewerOf(c)
	page := templates.ConsoleClientPage{Base: v.Base(), Nav: nav(v, "clients"), Flash: flash(c)}
	return k.clientPage(c, http.StatusOK, param(c, "id"), page)
}

// clientPage draws the page of client id with status into page.
func (k *Console) clientPage(c echo.Context, status int, id string, page templates.ConsoleClientPage) error {
	cl, err := k.svc.Client(c.Request().Context(), id)
	if err != nil {
		return fail(err)
	}
	page.Client, page.RememberDays = clientOf(cl), k.rememberDays
	return k.draw(c, status, page)
}

func clientOf(cl *store.Client) templates.ConsoleClient {
	return templates.ConsoleClient{ID: cl.ID, PathID: pathName(cl.ID), Name: cl.Name, Kind: admin.ClientKind(cl),
		IDTokenAlg: admin.IDTokenAlg(cl), Public: cl.Public, RequireMFA: cl.RequireMFA, FromConfig: cl.FromConfig,
		CanRemember: admin.MayRememberBrowser(cl), RememberBrowser: cl.RememberBrowser,
		Editable: !cl.FromConfig && !builtIn(cl.ID), RedirectURIs: cl.RedirectURIs, PostLogoutURIs: cl.PostLogoutRedirectURIs,
		Machine: cl.UsesClientCredentials(), Scopes: cl.AllowedScopes,
		Created: templates.StampOf(cl.CreatedAt), Modified: templates.StampOf(cl.UpdatedAt)}
}

// uriList names the list a URI form edits.
type uriList int

const (
	redirectURIs uriList = iota
	postLogoutURIs
)

// editURI adds (field redirect_uri or post_logout_uri) or removes (field
// uri) one URI of a client's list; a refusal draws the client's page
// again with the URI refilled.
func (k *Console) editURI(list uriList, add bool) echo.HandlerFunc {
	return func(c echo.Context) error {
		v, id := portal.ViewerOf(c), param(c, "id")
		field := "redirect_uri"
		if list == postLogoutURIs {
			field = "post_logout_uri"
		}
		uri := strings.TrimSpace(c.FormValue("uri"))
		if add {
			uri = strings.TrimSpace(c.FormValue(field))
		}
		var ch admin.ClientChange
		switch {
		case list == redirectURIs && add:
			ch.AddRedirectURIs = []string{uri}
		case list == redirectURIs:
			ch.RemoveRedirectURIs = []string{uri}
		case add:
			ch.AddPostLogoutURIs = []string{uri}
		default:
			ch.RemovePostLogoutURIs = []string{uri}
		}
		err := k.checkEditable(c, id)
		if err == nil {
			_, err = k.svc.UpdateClient(c.Request().Context(), actor(v), id, ch)
		}
		if err != nil {
			status, m, ok := alert(err)
			if !ok || status == http.StatusNotFound {
				return fail(err)
			}
			page := templates.ConsoleClientPage{Base: v.Base(), Nav: nav(v, "clients"), Field: field}
			page.Base.Error = m
			if add && list == redirectURIs {
				page.AddRedirect = uri
			} else if add {
				page.AddPostLogout = uri
			}
			return k.clientPage(c, status, id, page)
		}
		return done(c, "/admin/clients/"+pathName(id), "client-updated")
	}
}

// checkEditable refuses a built-in client (the service knows only the
// database's and the configuration's).
func (k *Console) checkEditable(c echo.Context, id string) error {
	if builtIn(id) {
		return &admin.InputError{Field: "built-in", Message: "otpgate's own clients cannot be changed"}
	}
	return nil
}

// clientSwitch turns one of a client's switches on or off (the form's
// "on" is "on" or "off"): set makes the change.
func (k *Console) clientSwitch(set func(on bool) admin.ClientChange) echo.HandlerFunc {
	return func(c echo.Context) error {
		v, id := portal.ViewerOf(c), param(c, "id")
		on, err := onOff(c)
		if err == nil {
			err = k.checkEditable(c, id)
		}
		if err == nil {
			_, err = k.svc.UpdateClient(c.Request().Context(), actor(v), id, set(on))
		}
		if err != nil {
			return k.clientFailed(c, id, err)
		}
		return done(c, "/admin/clients/"+pathName(id), "client-updated")
	}
}

// requireMFA is the change of a client's two-factor requirement.
func requireMFA(on bool) admin.ClientChange { return admin.ClientChange{RequireMFA: &on} }

// rememberBrowser is the change of whether a client's sign-ins may
// remember the browser.
func rememberBrowser(on bool) admin.ClientChange { return admin.ClientChange{RememberBrowser: &on} }

// clientFailed draws the client's page with the refusal's alert (an
// error page when the client is unknown or it was a fault).
func (k *Console) clientFailed(c echo.Context, id string, err error) error {
	status, m, ok := alert(err)
	if !ok || status == http.StatusNotFound {
		return fail(err)
	}
	v := portal.ViewerOf(c)
	page := templates.ConsoleClientPage{Base: v.Base(), Nav: nav(v, "clients")}
	page.Base.Error = m
	return k.clientPage(c, status, id, page)
}

// rotateSecret gives a confidential client a new secret, shown in the
// answer, once.
func (k *Console) rotateSecret(c echo.Context) error {
	v, id := portal.ViewerOf(c), param(c, "id")
	err := k.checkEditable(c, id)
	var secret string
	if err == nil {
		secret, err = k.svc.RotateSecret(c.Request().Context(), actor(v), id)
	}
	if err != nil {
		return k.clientFailed(c, id, err)
	}
	return k.draw(c, http.StatusOK, templates.ConsoleSecretPage{Base: v.Base(), Nav: nav(v, "clients"),
		ClientID: id, PathID: pathName(id), Secret: secret, Rotated: true})
}

// confirmRemove asks before a client is removed.
func (k *Console) confirmRemove(c echo.Context) error {
	v := portal.ViewerOf(c)
	cl, err := k.svc.Client(c.Request().Context(), param(c, "id"))
	if err != nil {
		return fail(err)
	}
	if err := k.checkEditable(c, cl.ID); err != nil {
		return k.clientFailed(c, cl.ID, err)
	}
	if cl.FromConfig {
		return k.clientFailed(c, cl.ID, admin.ErrClientFromConfig)
	}
	return k.draw(c, http.StatusOK, templates.ConsoleRemoveClientPage{Base: v.Base(), Nav: nav(v, "clients"),
		ClientID: cl.ID, PathID: pathName(cl.ID)})
}

// removeClient removes a client and revokes its tokens.
func (k *Console) removeClient(c echo.Context) error {
	v, id := portal.ViewerOf(c), param(c, "id")
	err := k.checkEditable(c, id)
	if err == nil {
		err = k.svc.RemoveClient(c.Request().Context(), actor(v), id)
	}
	if err != nil {
		return k.clientFailed(c, id, err)
	}
	return done(c, "/admin/clients", "client-removed")
}
