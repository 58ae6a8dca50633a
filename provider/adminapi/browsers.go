package adminapi

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
)

// RememberedBrowser is a browser that skips the passcode until it
// expires, as the API shows it: its id, never the token its cookie holds.
type RememberedBrowser struct {
	ID       string    `json:"id"`
	Label    string    `json:"label"`
	ClientID string    `json:"client_id,omitempty"`
	Created  time.Time `json:"created"`
	LastUsed time.Time `json:"last_used"`
	Expires  time.Time `json:"expires"`
}

// listBrowsers is GET /users/{username}/remembered-browsers.
func (h *Handler) listBrowsers(c echo.Context) error {
	rows, err := h.admin.RememberedBrowsers(c.Request().Context(), c.Param("username"))
	if err != nil {
		return h.fail(c, err)
	}
	out := make([]RememberedBrowser, 0, len(rows))
	for _, r := range rows {
		out = append(out, RememberedBrowser{ID: r.ID, Label: r.Label, ClientID: r.ClientID,
			Created: r.CreatedAt.UTC(), LastUsed: r.LastUsedAt.UTC(), Expires: r.ExpiresAt.UTC()})
	}
	return c.JSON(http.StatusOK, map[string]any{"remembered_browsers": out})
}

// forgetBrowser is DELETE /users/{username}/remembered-browsers/{browser}:
// that browser asks for the passcode at its next sign-in.
func (h *Handler) forgetBrowser(c echo.Context) error {
	if err := h.admin.RevokeRememberedBrowser(c.Request().Context(), actor(c), c.Param("username"), c.Param("browser")); err != nil {
		return h.fail(c, err)
	}
	return c.NoContent(http.StatusNoContent)
}

// forgetBrowsers is DELETE /users/{username}/remembered-browsers: every
// remembered browser of the account asks for the passcode again.
func (h *Handler) forgetBrowsers(c echo.Context) error {
	n, err := h.admin.RevokeRememberedBrowsers(c.Request().Context(), actor(c), c.Param("username"))
	if err != nil {
		return h.fail(c, err)
	}
	return c.JSON(http.StatusOK, map[string]any{"revoked": n})
}
