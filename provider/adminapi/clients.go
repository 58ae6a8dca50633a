package adminapi

import (
	"net/http"
	"net/url"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/otpgate/otpgate/provider/admin"
	"github.com/otpgate/otpgate/provider/store"
)

// Client is a registered client as the API shows it: never its secret,
// the secret's hash or sealed copy.
type Client struct {
	ID             string   `json:"id"`
	Name           string   `json:"name,omitempty"`
	Kind           string   `json:"kind"`
	Public         bool     `json:"public"`
	RedirectURIs   []string `json:"redirect_uris"`
	PostLogoutURIs []string `json:"post_logout_uris"`
	RequireMFA     bool     `json:"require_mfa"`
	// RememberBrowser: its sign-ins may remember a browser that passed a
	// passcode (when mfa.remember_browser_days allows it).
	RememberBrowser bool      `json:"remember_browser"`
	IDTokenAlg      string    `json:"id_token_alg"`
	GrantTypes      []string  `json:"grant_types"`
	Scopes          []string  `json:"scopes"`
	FromConfig      bool      `json:"from_config"`
	CreatedAt       time.Time `json:"created"`
	UpdatedAt       time.Time `json:"updated"`
}

func clientOf(cl *store.Client) Client {
	list := func(l []string) []string {
		if l == nil {
			return []string{}
		}
		return l
	}
	alg := cl.IDTokenSignedResponseAlg
	if alg == "" {
		alg = "RS256"
	}
	return Client{ID: cl.ID, Name: cl.Name, Kind: admin.ClientKind(cl), Public: cl.Public,
		RedirectURIs: list(cl.RedirectURIs), PostLogoutURIs: list(cl.PostLogoutRedirectURIs), RequireMFA: cl.RequireMFA,
		RememberBrowser: cl.RememberBrowser, IDTokenAlg: alg, GrantTypes: list(cl.GrantTypes), Scopes: list(cl.AllowedScopes), FromConfig: cl.FromConfig,
		CreatedAt: cl.CreatedAt.UTC(), UpdatedAt: cl.UpdatedAt.UTC()}
}

// listClients is GET /clients.
func (h *Handler) listClients(c echo.Context) error {
	rows, err := h.admin.Clients(c.Request().Context())
	if err != nil {
		return h.fail(c, err)
	}
	out := make([]Client, 0, len(rows))
	for i := range rows {
		out = append(out, clientOf(&rows[i]))
	}
	return c.JSON(http.StatusOK, map[string]any{"clients": out})
}

// showClient is GET /clients/{id}.
func (h *Handler) showClient(c echo.Context) error {
	cl, err := h.admin.Client(c.Request().Context(), c.Param("id"))
	if err != nil {
		return h.fail(c, err)
	}
	return c.JSON(http.StatusOK, clientOf(cl))
}

// newClient is the body of POST /clients: a client that signs people in
// (confidential, or public with public: true), or a machine client
// (grant_types ["client_credentials"] with scopes).
type newClient struct {
	ID             string   `json:"id"`
	Name           string   `json:"name"`
	RedirectURIs   []string `json:"redirect_uris"`
	PostLogoutURIs []string `json:"post_logout_uris"`
	Public         bool     `json:"public"`
	// Secret is the confidential client's secret; empty generates one,
	// returned once.
	Secret     string `json:"secret"`
	RequireMFA bool   `json:"require_mfa"`
	// RememberBrowser lets its sign-ins remember a browser.
	RememberBrowser bool     `json:"remember_browser"`
	IDTokenAlg      string   `json:"id_token_alg"`
	GrantTypes      []string `json:"grant_types"`
	Scopes          []string `json:"scopes"`
}

// withSecret is the answer of an action that may have generated a secret,
// shown once.
type withSecret struct {
	Client Client `json:"client"`
	Secret string `json:"secret,omitempty"`
}

// addClient is POST /clients.
func (h *Handler) addClient(c echo.Context) error {
	var in newClient
	if err := decode(c, &in, false); err != nil {
		return h.fail(c, err)
	}
	added, err := h.admin.AddClient(c.Request().Context(), actor(c), admin.NewClient{ID: in.ID, Name: in.Name,
		RedirectURIs: in.RedirectURIs, PostLogoutURIs: in.PostLogoutURIs, Secret: in.Secret, Public: in.Public,
		RequireMFA: in.RequireMFA, RememberBrowser: in.RememberBrowser, IDTokenAlg: in.IDTokenAlg, GrantTypes: in.GrantTypes,
		Scopes: in.Scopes})
	if err != nil {
		return h.fail(c, err)
	}
	cl, err := h.admin.Client(c.Request().Context(), added.Client.ID)
	if err != nil {
		return h.fail(c, err)
	}
	c.Response().Header().Set("Location", Prefix+"/clients/"+url.PathEscape(cl.ID))
	return c.JSON(http.StatusCreated, withSecret{Client: clientOf(cl), Secret: added.Secret})
}

// clientPatch is the body of PATCH /clients/{id}: absent fields are left
// as they are; single URIs are added and removed, the others kept.
type clientPatch struct {
	Name                 *string  `json:"name"`
	RequireMFA           *bool    `json:"require_mfa"`
	RememberBrowser      *bool    `json:"remember_browser"`
	IDTokenAlg           *string  `json:"id_token_alg"`
	AddRedirectURIs      []string `json:"add_redirect_uris"`
	RemoveRedirectURIs   []string `json:"remove_redirect_uris"`
	AddPostLogoutURIs    []string `json:"add_post_logout_uris"`
	RemovePostLogoutURIs []string `json:"remove_post_logout_uris"`
}

// updateClient is PATCH /clients/{id}.
func (h *Handler) updateClient(c echo.Context) error {
	var in clientPatch
	if err := decode(c, &in, false); err != nil {
		return h.fail(c, err)
	}
	ctx := c.Request().Context()
	id := c.Param("id")
	_, err := h.admin.UpdateClient(ctx, actor(c), id, admin.ClientChange{Name: in.Name, RequireMFA: in.RequireMFA,
		RememberBrowser: in.RememberBrowser, IDTokenAlg: in.IDTokenAlg, AddRedirectURIs: in.AddRedirectURIs, RemoveRedirectURIs: in.RemoveRedirectURIs,
		AddPostLogoutURIs: in.AddPostLogoutURIs, RemovePostLogoutURIs: in.RemovePostLogoutURIs})
	if err != nil {
		return h.fail(c, err)
	}
	return h.showClient(c)
}

// rotateSecret is POST /clients/{id}/rotate-secret: a new generated
// secret, returned once; the old one stops working at once.
func (h *Handler) rotateSecret(c echo.Context) error {
	if err := decode(c, &struct{}{}, true); err != nil {
		return h.fail(c, err)
	}
	ctx := c.Request().Context()
	secret, err := h.admin.RotateSecret(ctx, actor(c), c.Param("id"))
	if err != nil {
		return h.fail(c, err)
	}
	cl, err := h.admin.Client(ctx, c.Param("id"))
	if err != nil {
		return h.fail(c, err)
	}
	return c.JSON(http.StatusOK, withSecret{Client: clientOf(cl), Secret: secret})
}

// removeClient is DELETE /clients/{id}: the client and every token issued
// to it.
func (h *Handler) removeClient(c echo.Context) error {
	if err := h.admin.RemoveClient(c.Request().Context(), actor(c), c.Param("id")); err != nil {
		return h.fail(c, err)
	}
	return c.NoContent(http.StatusNoContent)
}
