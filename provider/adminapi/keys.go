package adminapi

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/otpgate/otpgate/provider/admin"
	"github.com/otpgate/otpgate/provider/protocol"
)

// Key is a signing key's public facts.
type Key struct {
	ID        string     `json:"kid"`
	Algorithm string     `json:"alg"`
	State     string     `json:"state"`
	CreatedAt time.Time  `json:"created"`
	SignsFrom *time.Time `json:"activation,omitempty"`
	RetiredAt *time.Time `json:"retired,omitempty"`
	Published bool       `json:"published"`
}

func keysOf(infos []protocol.KeyInfo) []Key {
	out := make([]Key, 0, len(infos))
	for _, i := range infos {
		k := Key{ID: i.ID, Algorithm: i.Algorithm, State: admin.KeyState(i), CreatedAt: i.CreatedAt.UTC(),
			RetiredAt: utc(i.RetiredAt), SignsFrom: utc(i.SignsFrom), Published: i.Published}
		out = append(out, k)
	}
	return out
}

func utc(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

// listKeys is GET /keys.
func (h *Handler) listKeys(c echo.Context) error {
	infos, err := h.admin.SigningKeys(c.Request().Context(), h.keys)
	if err != nil {
		return h.fail(c, err)
	}
	return c.JSON(http.StatusOK, map[string]any{"keys": keysOf(infos)})
}

// rotateKeys is POST /keys/rotate: a new key per algorithm, published at
// once and signing after the activation delay (the first keys at once).
func (h *Handler) rotateKeys(c echo.Context) error {
	if err := decode(c, &struct{}{}, true); err != nil {
		return h.fail(c, err)
	}
	ctx := c.Request().Context()
	res, err := h.admin.RotateKeys(ctx, actor(c), h.keys)
	if err != nil {
		return h.fail(c, err)
	}
	// The new keys as the list describes them (state and activation).
	all, err := h.admin.SigningKeys(ctx, h.keys)
	if err != nil {
		return h.fail(c, err)
	}
	added := map[string]bool{}
	for _, k := range res.Keys {
		added[k.ID] = true
	}
	var fresh []protocol.KeyInfo
	for _, k := range all {
		if added[k.ID] {
			fresh = append(fresh, k)
		}
	}
	return c.JSON(http.StatusCreated, map[string]any{"keys": keysOf(fresh)})
}
