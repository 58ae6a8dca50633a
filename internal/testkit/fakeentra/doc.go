// Package fakeentra is a local stand-in for Microsoft Entra ID in the tests
// of otpgate as an Entra external authentication method: an authority over
// TLS on 127.0.0.1 with RSA keys of its own, serving a tenant's discovery
// document and key set as Entra does, and minting id_token_hints shaped
// like Entra's (ver 2.0, issued already expired, pairwise sub) or broken
// on purpose (another key, alg none, HS256, any claim changed or left out).
// FormRequest builds the authorization request Entra's browser form posts,
// copied from Microsoft's example.
//
// The fake answers for any tenant id that is a GUID, with the same keys,
// and counts key set fetches per tenant, so a test can tell that a cache
// held or that a foreign tenant caused no fetch. It is closed when the
// test ends.
package fakeentra
