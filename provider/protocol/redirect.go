package protocol

import (
	"net/url"
	"slices"

	"github.com/otpgate/otpgate/provider/store"
)

// RedirectURIAllowed reports whether an authorization request of client c
// may be answered at uri. The match is exact, with one exception (RFC 8252
// §7.3): a public (native) client registered with an http redirect URI on
// an IP-literal loopback address, 127.0.0.1 or [::1], may use any port,
// because the app listens on whatever port the system gives it. Scheme,
// host, path and query must still be the same; "localhost" is matched
// exactly (RFC 8252 §8.3: it may not resolve to the loopback interface),
// and confidential clients are always matched exactly.
func RedirectURIAllowed(c *store.Client, uri string) bool {
	if slices.Contains(c.RedirectURIs, uri) {
		return true
	}
	if !c.Public {
		return false
	}
	got, ok := loopback(uri)
	if !ok {
		return false
	}
	for _, registered := range c.RedirectURIs {
		want, ok := loopback(registered)
		if ok && want.Hostname() == got.Hostname() && want.Path == got.Path && want.RawPath == got.RawPath &&
			want.RawQuery == got.RawQuery && want.ForceQuery == got.ForceQuery {
			return true
		}
	}
	return false
}

// loopback parses uri as an http URI on 127.0.0.1 or [::1] with nothing
// but a port, path and query besides.
func loopback(uri string) (*url.URL, bool) {
	u, err := url.Parse(uri)
	if err != nil || u.Scheme != "http" || u.User != nil || u.Fragment != "" || u.Opaque != "" {
		return nil, false
	}
	if h := u.Hostname(); h != "127.0.0.1" && h != "::1" {
		return nil, false
	}
	return u, true
}
