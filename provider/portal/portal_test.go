package portal_test

import (
	"slices"
	"testing"

	"github.com/otpgate/otpgate/config"
	"github.com/otpgate/otpgate/provider/portal"
)

// TestBuiltInClientIDs: the configuration refuses exactly the built-in
// clients' ids.
func TestBuiltInClientIDs(t *testing.T) {
	var ids []string
	for _, c := range portal.Clients("https://id.example") {
		ids = append(ids, c.ID)
	}
	if !slices.Equal(ids, config.BuiltInClientIDs) {
		t.Fatalf("built-in clients %v, configuration reserves %v", ids, config.BuiltInClientIDs)
	}
}
