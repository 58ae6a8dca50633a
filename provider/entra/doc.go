// Package entra holds the protocol rules of a Microsoft Entra ID external
// authentication method (EAM) request, apart from the web and storage:
// verifying the id_token_hint Entra signed (its tenant's keys, fetched and
// cached per tenant), Microsoft's fixed redirect URIs, and the acr a TOTP
// passcode can answer from the request's claims parameter.
//
// Invariants: a hint is checked for its algorithm and its tenant's place
// on the allow-list before any key is fetched, so a foreign tenant never
// makes otpgate fetch; its exp is ignored (Entra issues it expired) and
// its iat bounded instead; keys are refetched on an unknown kid at most
// once a minute per tenant.
package entra
