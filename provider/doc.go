// Package provider wires otpgate together: it builds the OpenID provider of
// zitadel/oidc on provider/protocol's storage and signing keys, the sign-in
// service of provider/signin and its pages (provider/login), and mounts them
// on one echo server — the protocol endpoints as API routes (with their
// discovery document corrected, it and the key set served from bytes
// encoded once, and their error answers corrected), the sign-in pages as
// browser routes — next to the operations routes and metrics.
//
// Invariants: an authorization request whose client or redirect URI cannot
// be trusted never redirects; a database fault is never answered as a
// client error at the protocol endpoints.
package provider
