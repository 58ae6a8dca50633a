package provider

import (
	"net/http"

	"github.com/zitadel/oidc/v3/pkg/op"
)

// LibraryJWKS answers as the library's /keys handler did before the key
// set was served pre-encoded: encoded from the storage's keys per request.
func LibraryJWKS(s *Server, w http.ResponseWriter, r *http.Request) {
	op.Keys(w, r, s.op.Storage())
}
