// Package entra owns the protocol rules of a Microsoft Entra ID external
// authentication method (EAM) request, as pure logic: no web framework and
// no database. The web adapter and the sign-in service call it to decide
// whether a request Entra sent through the browser may start a passcode
// step, and what the answer may claim.
//
//   - Authority fetches and caches a tenant's signing keys and verifies the
//     id_token_hint (VerifyHint) against a Policy: the Entra application id
//     the hint is issued to and the tenants allowed to use it.
//   - CheckRedirectURI accepts only Microsoft's three fixed reply URLs.
//   - ChooseACR picks the acr value a passcode (possession) can truthfully
//     answer from the request's claims parameter.
//
// Invariants: a hint's alg is RS256 and its tenant is on the allow-list
// before any key is looked up, so neither another algorithm nor a foreign
// tenant ever makes us fetch; the key cache therefore only ever holds
// allow-listed tenants. A hint's exp is ignored (Entra issues it already
// expired) and its age is bounded by iat instead. Failures are of two
// kinds only: ErrUnavailable (the authority could not be asked; the caller
// answers temporarily_unavailable) and ErrInvalidHint (the caller answers
// access_denied); a hint is never accepted on cached keys older than the
// cache lifetime.
package entra
