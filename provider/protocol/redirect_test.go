package protocol

import (
	"testing"

	"github.com/otpgate/otpgate/provider/store"
)

func TestRedirectURIAllowed(t *testing.T) {
	public := &store.Client{Public: true, RedirectURIs: store.StringList{
		"http://127.0.0.1/cb", "http://[::1]:8080/cb?app=1", "http://localhost/cb", "https://app.example/cb", "com.example.app:/oauth"}}
	confidential := &store.Client{RedirectURIs: store.StringList{"http://127.0.0.1/cb"}}
	for _, tc := range []struct {
		c    *store.Client
		uri  string
		want bool
	}{
		{public, "http://127.0.0.1/cb", true},
		{public, "http://127.0.0.1:49152/cb", true},
		{public, "http://[::1]/cb?app=1", true},
		{public, "http://[::1]:1/cb?app=1", true},
		{public, "http://localhost/cb", true},
		{public, "com.example.app:/oauth", true},
		{public, "http://localhost:49152/cb", false}, // localhost is exact
		{public, "http://127.0.0.1:49152/cb/", false},
		{public, "http://127.0.0.1:49152/CB", false},
		{public, "http://127.0.0.1:49152/cb?x=1", false},
		{public, "http://127.0.0.1:49152/cb?", false},
		{public, "http://127.0.0.1:49152/cb#f", false},
		{public, "http://u@127.0.0.1:49152/cb", false},
		{public, "https://127.0.0.1:49152/cb", false},
		{public, "http://[::1]:49152/cb", false},           // registered for 127.0.0.1 only
		{public, "http://127.0.0.1:49152/cb?app=1", false}, // registered for [::1] only
		{public, "http://127.0.0.2:49152/cb", false},
		{public, "http://[::ffff:127.0.0.1]:49152/cb", false},
		{public, "https://app.example:8443/cb", false},
		{confidential, "http://127.0.0.1/cb", true},
		{confidential, "http://127.0.0.1:49152/cb", false},
	} {
		if got := RedirectURIAllowed(tc.c, tc.uri); got != tc.want {
			t.Errorf("public=%v %q: %v, want %v", tc.c.Public, tc.uri, got, tc.want)
		}
	}
}
