package provider_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/zitadel/oidc/v3/pkg/oidc"
)

// TestDiscoveryForEntra: the discovery document states what Entra ID's
// external authentication methods read in it (the id_token response type,
// the form_post response mode, RS256, openid, subject types), and is sent
// over the wire with an explicit Content-Length, never chunked, for GET and
// HEAD.
func TestDiscoveryForEntra(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	for _, method := range []string{http.MethodGet, http.MethodHead} {
		req, err := http.NewRequest(method, h.issuer+oidc.DiscoveryEndpoint, nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Accept-Encoding", "gzip")
		resp, err := http.DefaultTransport.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		length := resp.Header.Get("Content-Length")
		if resp.StatusCode != http.StatusOK || length == "" || len(resp.TransferEncoding) != 0 ||
			resp.Header.Get("Content-Encoding") != "" {
			t.Fatalf("%s discovery: status %d, Content-Length %q, Transfer-Encoding %v, Content-Encoding %q; want 200 with an explicit length",
				method, resp.StatusCode, length, resp.TransferEncoding, resp.Header.Get("Content-Encoding"))
		}
		if method == http.MethodHead {
			continue
		}
		if length != strconv.Itoa(len(body)) {
			t.Errorf("Content-Length %s, but the document has %d bytes", length, len(body))
		}
		var d oidc.DiscoveryConfiguration
		if err := json.Unmarshal(body, &d); err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(d.ResponseTypesSupported, []string{"code", "id_token"}) ||
			!slices.Equal(d.ResponseModesSupported, []string{"query", "form_post"}) ||
			!slices.Contains(d.IDTokenSigningAlgValuesSupported, "RS256") || !slices.Contains(d.ScopesSupported, "openid") ||
			len(d.SubjectTypesSupported) == 0 || d.Issuer != h.issuer {
			t.Errorf("discovery lacks what Entra reads: response types %v, modes %v, algorithms %v, scopes %v, subject types %v, issuer %q",
				d.ResponseTypesSupported, d.ResponseModesSupported, d.IDTokenSigningAlgValuesSupported, d.ScopesSupported,
				d.SubjectTypesSupported, d.Issuer)
		}
	}
}

// TestOrdinaryClientsRefuseEntrasIDToken: discovery lists id_token and
// form_post for Entra clients only; an ordinary client that sends Entra's
// request (an id_token form post, as a browser POST or a GET) is refused
// with unsupported_response_type in the query of its redirect URI, gets no
// ID token, and no sign-in starts. Nor does form_post with a code.
func TestOrdinaryClientsRefuseEntrasIDToken(t *testing.T) {
	t.Parallel()
	h := setupApp(t)
	cases := []struct {
		name, responseType string
		post               bool
	}{
		{"id_token form post (POST)", "id_token", true},
		{"id_token form post (GET)", "id_token", false},
		{"code form post", "code", false},
	}
	for _, tc := range cases {
		form := url.Values{"client_id": {"app"}, "redirect_uri": {rpRedirect}, "response_type": {tc.responseType},
			"response_mode": {"form_post"}, "scope": {"openid"}, "nonce": {"n"}, "state": {"s"}}
		var req *http.Request
		var err error
		if tc.post {
			req, err = http.NewRequest(http.MethodPost, h.issuer+"/authorize", strings.NewReader(form.Encode()))
			if err == nil {
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			}
		} else {
			req, err = http.NewRequest(http.MethodGet, h.issuer+"/authorize?"+form.Encode(), nil)
		}
		if err != nil {
			t.Fatal(err)
		}
		b := newBrowser(t)
		p := b.must(b.Do(req))
		u, _ := url.Parse(p.Location)
		if p.Status != http.StatusFound || u == nil || !strings.HasPrefix(p.Location, rpRedirect) ||
			u.Query().Get("error") == "" || u.Query().Get("state") != "s" {
			t.Errorf("%s: status %d location %q, want a redirect to the client with an error", tc.name, p.Status, p.Location)
		}
		if tc.responseType == "id_token" && u.Query().Get("error") != "unsupported_response_type" {
			t.Errorf("%s: error %q, want unsupported_response_type", tc.name, u.Query().Get("error"))
		}
		if strings.Contains(p.Location, "id_token") || strings.Contains(p.Location, "authRequestID") ||
			strings.Contains(p.Body, "id_token") || strings.Contains(p.Location, "code=") {
			t.Errorf("%s: the answer carries a token, a code or a sign-in: %q %q", tc.name, p.Location, p.Body)
		}
	}
}
