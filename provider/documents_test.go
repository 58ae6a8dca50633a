package provider_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/zitadel/oidc/v3/pkg/oidc"

	"github.com/otpgate/otpgate/provider"
)

// serve answers one request through the whole provider handler.
func (h *harness) serve(method, path string, header http.Header) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, h.issuer+path, nil)
	for k, v := range header {
		req.Header[k] = v
	}
	rec := httptest.NewRecorder()
	h.server.Handler().ServeHTTP(rec, req)
	return rec
}

func decodeJSON(t *testing.T, what string, body []byte) any {
	t.Helper()
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		t.Fatalf("%s is not JSON: %v", what, err)
	}
	return v
}

// wantHeaders checks the headers the pre-encoded documents keep from the
// handlers they replaced: JSON, the same caching, CORS for an allowed
// origin (except on HEAD, which the CORS options do not list), and an
// explicit length.
func wantHeaders(t *testing.T, what string, rec *httptest.ResponseRecorder, cacheControl string, bodyLen int, cors bool) {
	t.Helper()
	h := rec.Header()
	allowed := map[bool]string{true: "https://spa.example"}[cors]
	if rec.Code != http.StatusOK || h.Get("Content-Type") != "application/json" || h.Get("Cache-Control") != cacheControl ||
		h.Get("Access-Control-Allow-Origin") != allowed || h.Get("Vary") != "Origin" ||
		h.Get("Content-Length") != strconv.Itoa(bodyLen) {
		t.Errorf("%s: status %d headers %v, want 200, application/json, Cache-Control %q, CORS for %q and the length %d",
			what, rec.Code, h, cacheControl, allowed, bodyLen)
	}
}

// TestDiscoveryIsTheDocumentItWas: discovery, now encoded once at
// start-up, holds what the per-request document held before (its copy in
// testdata), except for the signing algorithms, which now list ES256 and
// EdDSA besides RS256, the claims, which now list given_name and
// family_name, the response types and modes, which now list Entra ID's
// id_token and form_post, and the acr values, which now list the
// factor-only class, and the client authentication methods, which now
// list private_key_jwt (factor-only clients without a secret), and the
// grant types, which now list client_credentials (machine clients of the
// admin API); its headers are the same, for GET and HEAD.
func TestDiscoveryIsTheDocumentItWas(t *testing.T) {
	t.Parallel()
	h := newHarness(t, func(o *provider.Options) { o.CORSOrigins = []string{"https://spa.example"} })
	golden, err := os.ReadFile("testdata/discovery.json")
	if err != nil {
		t.Fatal(err)
	}
	want := decodeJSON(t, "the earlier document", []byte(strings.ReplaceAll(string(golden), "https://issuer.example", h.issuer))).(map[string]any)
	want["id_token_signing_alg_values_supported"] = []any{"RS256", "ES256", "EdDSA"}
	claims := want["claims_supported"].([]any)
	at := slices.Index(claims, any("name")) + 1
	want["claims_supported"] = slices.Insert(claims, at, any("given_name"), any("family_name"))
	want["response_types_supported"] = []any{"code", "id_token"}
	want["response_modes_supported"] = []any{"query", "form_post"}
	for _, k := range []string{"token_endpoint_auth_methods_supported", "revocation_endpoint_auth_methods_supported",
		"introspection_endpoint_auth_methods_supported"} {
		want[k] = append(want[k].([]any), "private_key_jwt")
	}
	want["token_endpoint_auth_signing_alg_values_supported"] = []any{"RS256"}
	want["grant_types_supported"] = append(want["grant_types_supported"].([]any), "client_credentials")
	want["acr_values_supported"] = []any{"urn:otpgate:acr:password", "urn:otpgate:acr:second-factor", "urn:otpgate:acr:remembered-browser",
		"http://schemas.openid.net/pape/policies/2007/06/multi-factor"}

	origin := http.Header{"Origin": {"https://spa.example"}}
	rec := h.serve(http.MethodGet, oidc.DiscoveryEndpoint, origin)
	if got := decodeJSON(t, "discovery", rec.Body.Bytes()); !reflect.DeepEqual(got, any(want)) {
		t.Errorf("discovery changed:\n got %v\nwant %v", got, want)
	}
	wantHeaders(t, "GET discovery", rec, "public, max-age=300", rec.Body.Len(), true)
	head := h.serve(http.MethodHead, oidc.DiscoveryEndpoint, origin)
	wantHeaders(t, "HEAD discovery", head, "public, max-age=300", rec.Body.Len(), false)
}

// TestJWKSIsTheLibrarysDocument: the key set served from its encoded bytes
// is the document zitadel's handler encodes per request from the same
// keys, with each key's certificate added (x5c and x5t, which the library
// does not know; Entra ID requires them), with the same headers (no
// Cache-Control), before and after a rotation.
func TestJWKSIsTheLibrarysDocument(t *testing.T) {
	t.Parallel()
	h := newHarness(t, func(o *provider.Options) { o.CORSOrigins = []string{"https://spa.example"} })
	origin := http.Header{"Origin": {"https://spa.example"}}
	for round := range 2 {
		rec := h.serve(http.MethodGet, "/keys", origin)
		lib := httptest.NewRecorder()
		provider.LibraryJWKS(h.server, lib, httptest.NewRequest(http.MethodGet, h.issuer+"/keys", nil))
		got, want := decodeJSON(t, "served key set", rec.Body.Bytes()), decodeJSON(t, "library key set", lib.Body.Bytes())
		for _, key := range got.(map[string]any)["keys"].([]any) {
			key := key.(map[string]any)
			if x5c, _ := key["x5c"].([]any); len(x5c) != 1 || key["x5t"] == nil || key["x5t"] == "" {
				t.Errorf("round %d: served key %v has no certificate (x5c and x5t)", round, key["kid"])
			}
			delete(key, "x5c")
			delete(key, "x5t")
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("round %d: served key set without its certificates\n%s\ndiffers from the library's\n%s", round, rec.Body, lib.Body)
		}
		if !strings.HasSuffix(rec.Body.String(), "}\n") {
			t.Errorf("round %d: served key set does not end as json.Encoder ends a document", round)
		}
		if lib.Header().Get("Content-Type") != "application/json" || lib.Header().Get("Cache-Control") != "" {
			t.Errorf("the library's headers changed: %v", lib.Header())
		}
		wantHeaders(t, "GET /keys", rec, "", rec.Body.Len(), true)
		if n := len(got.(map[string]any)["keys"].([]any)); n != 3*(round+1) {
			t.Errorf("round %d: %d keys served, want %d", round, n, 3*(round+1))
		}
		h.clock.Advance(time.Second)
		if _, err := h.server.Keys().Rotate(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
}
