package main

import (
	"slices"
	"strings"
	"testing"

	"github.com/otpgate/otpgate/config"
	"github.com/otpgate/otpgate/provider/protocol"
)

// listColumn returns the value of column name in client list's row for id.
func listColumn(t *testing.T, list, id, name string) string {
	t.Helper()
	lines := strings.Split(strings.TrimSpace(list), "\n")
	col := slices.Index(strings.Fields(strings.ReplaceAll(lines[0], "REDIRECT URIS", "REDIRECT-URIS")), name)
	for _, line := range lines[1:] {
		if f := strings.Fields(line); len(f) > col && col >= 0 && f[0] == id {
			return f[col]
		}
	}
	t.Fatalf("no %s column for %s in %q", name, id, list)
	return ""
}

// TestClientIDTokenAlg: --id-token-alg sets a client's ID token algorithm
// on add and update, exactly as JOSE spells the three algorithms, and
// anything else is refused with the accepted names; show and list name
// the algorithm, RS256 when none was chosen.
func TestClientIDTokenAlg(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	run := func(args ...string) string { return mustRun(t, append([]string{"--data", dir}, args...)...) }
	run("client", "add", "--id", "plain", "--public", "--redirect-uri", "https://plain.example.com/cb")
	run("client", "add", "--id", "ec", "--public", "--redirect-uri", "https://ec.example.com/cb", "--id-token-alg", "ES256")
	if got := showField(t, run("client", "show", "plain"), "id-token-alg"); got != "RS256 (default)" {
		t.Errorf("client show without --id-token-alg: %q", got)
	}
	if got := showField(t, run("client", "show", "ec"), "id-token-alg"); got != "ES256" {
		t.Errorf("client show after --id-token-alg ES256: %q", got)
	}
	list := run("client", "list")
	if a, b := listColumn(t, list, "plain", "ID-TOKEN-ALG"), listColumn(t, list, "ec", "ID-TOKEN-ALG"); a != "RS256" || b != "ES256" {
		t.Errorf("client list ID-TOKEN-ALG: plain %q, ec %q (list %q)", a, b, list)
	}

	for _, bad := range []string{"es256", "HS256", "none", "RS512"} {
		mustFail(t, "", []string{"--data", dir, "client", "add", "--id", "bad", "--public", "--redirect-uri", "https://b.example.com/cb",
			"--id-token-alg", bad}, "client add: --id-token-alg must be one of RS256, ES256, EdDSA", `"`+bad+`"`)
		mustFail(t, "", []string{"--data", dir, "client", "update", "ec", "--id-token-alg", bad},
			"client update: --id-token-alg must be one of RS256, ES256, EdDSA")
	}
	mustFail(t, "", []string{"--data", dir, "client", "show", "bad"}, `no client "bad"`)
	if got := showField(t, run("client", "show", "ec"), "id-token-alg"); got != "ES256" {
		t.Errorf("a refused update changed the algorithm to %q", got)
	}

	run("client", "update", "ec", "--id-token-alg", "EdDSA")
	if got := showField(t, run("client", "show", "ec"), "id-token-alg"); got != "EdDSA" {
		t.Errorf("client show after update --id-token-alg EdDSA: %q", got)
	}
}

// TestConfigAlgorithmsAreTheSigners: the configuration accepts exactly the
// algorithms the provider signs ID tokens with (config imports nothing of
// the provider, so it keeps its own list).
func TestConfigAlgorithmsAreTheSigners(t *testing.T) {
	t.Parallel()
	var signers []string
	for _, alg := range protocol.SigningAlgorithms {
		signers = append(signers, string(alg))
	}
	if !slices.Equal(config.IDTokenAlgs(), signers) {
		t.Errorf("config accepts %v, the provider signs with %v", config.IDTokenAlgs(), signers)
	}
}
