package dex

import (
	"strings"
	"testing"
)

// TestWithoutAPI: the gRPC admin API is cut out of serve.go, and a
// serve.go that lacks one of the cuts (another Dex version) is refused
// rather than built half-patched.
func TestWithoutAPI(t *testing.T) {
	serve := "import (\n" + apiCuts[0] + "\t\"fmt\"\n" + apiCuts[1] + ")\n\nfunc serve() {\n" + apiCuts[2] + "\t\tgrpcMetrics.InitializeMetrics(grpcSrv)\n}\n"
	got, err := withoutAPI(serve)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(got, "api") || !strings.Contains(got, "\"fmt\"") || !strings.Contains(got, "InitializeMetrics") {
		t.Errorf("withoutAPI left:\n%s", got)
	}
	if _, err := withoutAPI(strings.Replace(serve, apiCuts[2], "", 1)); err == nil {
		t.Error("a serve.go without the registration was accepted")
	}
	if _, err := withoutAPI(serve + apiCuts[1]); err == nil {
		t.Error("a serve.go with a cut twice was accepted")
	}
}
