package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// endpoints are the URLs discovery names, on the issuer's host; each
// request goes to the next replica (routed).
type endpoints struct {
	token, userinfo, jwks string
}

// discoveryPath is where the discovery document lives under the issuer.
const discoveryPath = "/.well-known/openid-configuration"

// discoveryDoc is what the driver reads of the discovery document.
type discoveryDoc struct {
	Issuer   string `json:"issuer"`
	Token    string `json:"token_endpoint"`
	Userinfo string `json:"userinfo_endpoint"`
	JWKS     string `json:"jwks_uri"`
}

// tokenAnswer is what the driver reads of a token endpoint's answer.
type tokenAnswer struct {
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
	IDToken      string `json:"id_token"`
	ExpiresIn    int64  `json:"expires_in"`
	Error        string `json:"error"`
}

// routed is rawURL (on the issuer's host) sent to the next replica, as the
// browser's Route does.
func (d *driver) routed(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		return rawURL
	}
	base, err := url.Parse(d.next())
	if err != nil {
		return rawURL
	}
	u.Scheme, u.Host = base.Scheme, base.Host
	return u.String()
}

// discover reads the discovery document (the issuer must be -issuer) and
// keeps the endpoints it names.
func (d *driver) discover(ctx context.Context) error {
	doc, err := d.discovery(ctx)
	if err != nil {
		return err
	}
	if doc.Token == "" || doc.Userinfo == "" || doc.JWKS == "" {
		return fmt.Errorf("discovery: token_endpoint %q, userinfo_endpoint %q, jwks_uri %q", doc.Token, doc.Userinfo, doc.JWKS)
	}
	d.endpoints = endpoints{token: doc.Token, userinfo: doc.Userinfo, jwks: doc.JWKS}
	return nil
}

// discovery fetches the discovery document and checks its issuer.
func (d *driver) discovery(ctx context.Context) (discoveryDoc, error) {
	var doc discoveryDoc
	status, err := d.getJSON(ctx, d.routed(d.c.issuer+discoveryPath), "", &doc)
	switch {
	case err != nil:
		return doc, errors.New("discovery: " + shortErr(err))
	case status != http.StatusOK:
		return doc, fmt.Errorf("discovery: status %d", status)
	case doc.Issuer != d.c.issuer:
		return doc, fmt.Errorf("discovery: issuer %q, want %q (-issuer)", doc.Issuer, d.c.issuer)
	}
	return doc, nil
}

// jwks fetches the key set and checks it holds a key.
func (d *driver) jwks(ctx context.Context) error {
	var set struct {
		Keys []json.RawMessage `json:"keys"`
	}
	status, err := d.getJSON(ctx, d.routed(d.endpoints.jwks), "", &set)
	switch {
	case err != nil:
		return errors.New("jwks: " + shortErr(err))
	case status != http.StatusOK || len(set.Keys) == 0:
		return fmt.Errorf("jwks: status %d, %d keys", status, len(set.Keys))
	}
	return nil
}

// userinfo asks the userinfo endpoint with an access token.
func (d *driver) userinfo(ctx context.Context, t tokenAnswer) error {
	var claims struct {
		Sub string `json:"sub"`
	}
	status, err := d.getJSON(ctx, d.routed(d.endpoints.userinfo), t.AccessToken, &claims)
	switch {
	case err != nil:
		return errors.New("userinfo: " + shortErr(err))
	case status != http.StatusOK || claims.Sub == "":
		return fmt.Errorf("userinfo: status %d, sub %q", status, claims.Sub)
	}
	return nil
}

// refresh redeems t's refresh token and keeps the answer in t, so the
// next refresh presents the token this one rotated in.
func (d *driver) refresh(ctx context.Context, t *tokenAnswer) error {
	got, err := d.token(ctx, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {t.RefreshToken}})
	if err != nil {
		return err
	}
	if got.AccessToken == "" || got.RefreshToken == "" {
		return errors.New("token: no access_token or refresh_token")
	}
	*t = got
	return nil
}

// token posts form to the token endpoint with client_secret_basic and
// returns the answer, which must be 200.
func (d *driver) token(ctx context.Context, form url.Values) (tokenAnswer, error) {
	var t tokenAnswer
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, d.routed(d.endpoints.token), strings.NewReader(form.Encode()))
	if err != nil {
		return t, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(url.QueryEscape(d.c.clientID), url.QueryEscape(d.c.secret))
	resp, err := d.client.Do(req)
	if err != nil {
		return t, errors.New("token: " + shortErr(err))
	}
	defer resp.Body.Close()
	_ = json.NewDecoder(resp.Body).Decode(&t)
	_, _ = io.Copy(io.Discard, resp.Body)
	if resp.StatusCode != http.StatusOK {
		return t, fmt.Errorf("token: status %d %s", resp.StatusCode, t.Error)
	}
	return t, nil
}

// getJSON GETs rawURL (with a bearer token unless empty) and decodes a
// JSON answer into v; the status is returned whatever it is.
func (d *driver) getJSON(ctx context.Context, rawURL, bearer string, v any) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return 0, err
	}
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	resp, err := d.client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return resp.StatusCode, err
	}
	if resp.StatusCode == http.StatusOK {
		if err := json.Unmarshal(body, v); err != nil {
			return resp.StatusCode, fmt.Errorf("decode: %w", err)
		}
	}
	return resp.StatusCode, nil
}
