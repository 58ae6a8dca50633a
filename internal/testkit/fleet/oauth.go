//go:build linux

package fleet

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/otpgate/otpgate/internal/testkit/fixtures"
)

// Token posts form to base's token endpoint with client_secret_basic and
// returns the status and the decoded JSON body (the raw body under "_raw"
// when it is not JSON).
func Token(base string, c Client, form url.Values) (int, map[string]any, error) {
	req, err := http.NewRequest(http.MethodPost, base+"/oauth/token", strings.NewReader(form.Encode()))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(url.QueryEscape(c.ID), url.QueryEscape(c.Secret))
	resp, err := (&http.Client{Timeout: 60 * time.Second}).Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	out := map[string]any{}
	if err := json.Unmarshal(raw, &out); err != nil {
		out["_raw"] = string(raw)
	}
	return resp.StatusCode, out, nil
}

// CodeForm is the token request redeeming code of a.
func CodeForm(code string, a Auth) url.Values {
	return url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {fixtures.RedirectURI},
		"code_verifier": {a.Verifier}}
}

// RefreshForm is the token request redeeming a refresh token.
func RefreshForm(token string) url.Values {
	return url.Values{"grant_type": {"refresh_token"}, "refresh_token": {token}}
}

// Userinfo asks base's userinfo endpoint with an access token.
func Userinfo(base, accessToken string) (int, map[string]any, error) {
	req, _ := http.NewRequest(http.MethodGet, base+"/userinfo", nil)
	req.Header.Set("Authorization", "Bearer "+accessToken)
	resp, err := (&http.Client{Timeout: 30 * time.Second}).Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	out := map[string]any{}
	_ = json.Unmarshal(raw, &out)
	return resp.StatusCode, out, nil
}

// JSONString is a JSON string field ("" when absent).
func JSONString(m map[string]any, key string) string {
	s, _ := m[key].(string)
	return s
}

// JWKS fetches base's key set, as compact JSON with keys sorted by id, and
// the key ids.
func JWKS(base string) (string, []string, error) {
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Get(base + "/keys")
	if err != nil {
		return "", nil, err
	}
	defer resp.Body.Close()
	var set struct {
		Keys []map[string]any `json:"keys"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&set); err != nil {
		return "", nil, err
	}
	sort.Slice(set.Keys, func(i, j int) bool { return JSONString(set.Keys[i], "kid") < JSONString(set.Keys[j], "kid") })
	ids := []string{}
	for _, k := range set.Keys {
		ids = append(ids, JSONString(k, "kid"))
	}
	out, _ := json.Marshal(set.Keys)
	return string(out), ids, nil
}
