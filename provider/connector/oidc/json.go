package oidc

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
)

// decodeJSON reads a bounded JSON answer.
func decodeJSON(resp *http.Response, v any) error {
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("status %s", resp.Status)
	}
	return json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(v)
}
