// Package provider is otpgate's OpenID Connect glue: it implements the
// zitadel/oidc op.Storage interface on top of provider/store, manages
// signing keys and clients, and mounts the protocol endpoints next to the
// browser-facing sign-in pages of provider/login.
//
// Invariants: an authorization request yields a code only when its flow is
// done (every required step passed); a code is redeemed once; a refresh
// token rotates once and a replay revokes its family; tokens carry the
// authentication methods that were really performed.
package provider
