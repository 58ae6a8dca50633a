// Package protocol is the OpenID Connect side of otpgate: zitadel's
// op.Storage over provider/store — clients, auth requests, codes, tokens,
// userinfo — and the signing keys. It knows no web framework; the provider
// wiring mounts zitadel's handler and adapts its answers.
//
// Invariants: an authorization request yields a code only when its flow is
// done (every required step passed); a code is redeemed once; a refresh
// token rotates once and a replay revokes its family; tokens carry the
// authentication methods that were really performed; a signing key is
// published before it signs and stays published while a token it signed
// can be valid.
package protocol
