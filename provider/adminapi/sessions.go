package adminapi

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
)

// Session is a browser session (single sign-on) as the API shows it: its
// id is a handle (a prefix of the stored key), never the key itself.
type Session struct {
	ID        string    `json:"id"`
	AMR       []string  `json:"amr"`
	ACR       string    `json:"acr,omitempty"`
	IDP       string    `json:"idp,omitempty"`
	AuthTime  time.Time `json:"auth_time"`
	CreatedAt time.Time `json:"created"`
	ExpiresAt time.Time `json:"expires"`
}

// listSessions is GET /users/{username}/sessions.
func (h *Handler) listSessions(c echo.Context) error {
	rows, err := h.admin.Sessions(c.Request().Context(), c.Param("username"))
	if err != nil {
		return h.fail(c, err)
	}
	out := make([]Session, 0, len(rows))
	for _, r := range rows {
		amr := r.AMR
		if amr == nil {
			amr = []string{}
		}
		out = append(out, Session{ID: r.Handle, AMR: amr, ACR: r.ACR, IDP: r.IDP, AuthTime: r.AuthTime.UTC(),
			CreatedAt: r.CreatedAt.UTC(), ExpiresAt: r.ExpiresAt.UTC()})
	}
	return c.JSON(http.StatusOK, map[string]any{"sessions": out})
}

// revokeSession is DELETE /users/{username}/sessions/{session}: that
// browser must sign in again.
func (h *Handler) revokeSession(c echo.Context) error {
	if err := h.admin.RevokeSession(c.Request().Context(), actor(c), c.Param("username"), c.Param("session")); err != nil {
		return h.fail(c, err)
	}
	return c.NoContent(http.StatusNoContent)
}

// revokeSessions is DELETE /users/{username}/sessions: every session ends
// and every token of the account is revoked.
func (h *Handler) revokeSessions(c echo.Context) error {
	n, err := h.admin.RevokeSessions(c.Request().Context(), actor(c), c.Param("username"))
	if err != nil {
		return h.fail(c, err)
	}
	return c.JSON(http.StatusOK, map[string]any{"revoked": n})
}
