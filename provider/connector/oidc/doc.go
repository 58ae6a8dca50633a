// Package oidc is the upstream OpenID provider connector: the password
// page's button sends the browser to the upstream (authorization code
// flow with PKCE S256, a nonce and a state otpgate keeps with the flow),
// and the upstream's answer is redeemed here. The ID token is verified by
// github.com/coreos/go-oidc: an asymmetric signature by a key of the
// upstream's key set (never "none" nor a shared secret), the configured
// issuer, otpgate's client id as audience (and as azp when there are
// several), expiry, and the nonce of this sign-in. The person is the
// token's sub: the issuer is fixed per connector, so accounts are linked
// by the connector's id and sub. Discovery is lazy: otpgate starts while
// the upstream is down, and a failed discovery is not retried for a while.
package oidc
