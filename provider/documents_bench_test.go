package provider_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/zitadel/oidc/v3/pkg/oidc"
)

// benchmarkGet serves GET path through the whole provider handler (every
// middleware included, no network) and reports allocations per request.
func benchmarkGet(b *testing.B, path string) {
	h := newHarness(b)
	handler := h.server.Handler()
	req := httptest.NewRequest(http.MethodGet, h.issuer+path, nil)
	b.ReportAllocs()
	for b.Loop() {
		rec := httptest.NewRecorder()
		handler.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("GET %s: %d", path, rec.Code)
		}
	}
}

// BenchmarkJWKS measures one request for the key set.
// Run: go test -run '^$' -bench 'JWKS|Discovery' ./provider/
func BenchmarkJWKS(b *testing.B) { benchmarkGet(b, "/keys") }

// BenchmarkDiscovery measures one request for the discovery document.
func BenchmarkDiscovery(b *testing.B) { benchmarkGet(b, oidc.DiscoveryEndpoint) }
