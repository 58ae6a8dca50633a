package portal

import (
	"strings"
	"testing"
)

// TestReturnPath: a sign-in returns only to a page of its own site, never
// elsewhere (an open redirect), whatever the address asked for.
func TestReturnPath(t *testing.T) {
	for p, want := range map[string]bool{
		"/account/sessions": true, "/account/device": true, "/account/a-b_c.d": true,
		"": false, "/account": false, "/accountx/y": false, "/admin/keys": false,
		"//evil.example/account/": false, "/account//evil.example": false, "/account/../admin": false,
		"https://evil.example/account/x": false, "/account/sessions?x=1": false, "/account/x#y": false,
		"/account/\\evil": false, "/account/%2e%2e": false, "/account/" + strings.Repeat("a", maxReturnPath): false,
	} {
		if got := returnPath(Account, p); got != want {
			t.Errorf("returnPath(Account, %q) = %v, want %v", p, got, want)
		}
	}
	if !returnPath(Console, "/admin/users/ada") || returnPath(Console, "/account/sessions") {
		t.Error("the console's return paths")
	}
}
