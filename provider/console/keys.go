package console

import (
	"net/http"
	"slices"

	"github.com/labstack/echo/v4"

	"github.com/otpgate/otpgate/provider/admin"
	"github.com/otpgate/otpgate/provider/portal"
	"github.com/otpgate/otpgate/templates"
)

// signingKeys lists the signing keys, newest first.
func (k *Console) signingKeys(c echo.Context) error {
	v := portal.ViewerOf(c)
	infos, err := k.svc.SigningKeys(c.Request().Context(), k.keys)
	if err != nil {
		return fail(err)
	}
	page := templates.ConsoleKeysPage{Base: v.Base(), Nav: nav(v, "keys"), Flash: flash(c)}
	for _, i := range infos {
		key := templates.ConsoleKey{ID: i.ID, Algorithm: i.Algorithm, State: "console.key." + admin.KeyState(i),
			Created: templates.StampOf(i.CreatedAt)}
		if i.SignsFrom != nil {
			key.SignsFrom = templates.StampOf(*i.SignsFrom)
		}
		if i.RetiredAt != nil {
			key.Retired = templates.StampOf(*i.RetiredAt)
		}
		page.Keys = append(page.Keys, key)
	}
	slices.SortStableFunc(page.Keys, func(a, b templates.ConsoleKey) int {
		return b.Created.At.Compare(a.Created.At) // newest first
	})
	return k.draw(c, http.StatusOK, page)
}

// rotateKeys makes a new signing key per algorithm.
func (k *Console) rotateKeys(c echo.Context) error {
	if _, err := k.svc.RotateKeys(c.Request().Context(), actor(portal.ViewerOf(c)), k.keys); err != nil {
		return fail(err)
	}
	return done(c, "/admin/keys", "keys-rotated")
}
