package provider

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/otpgate/otpgate/provider/protocol"
	"github.com/otpgate/otpgate/provider/signin"
)

// supportedClaims are the claims otpgate can put in ID tokens and userinfo.
var supportedClaims = []string{"sub", "aud", "exp", "iat", "iss", "auth_time", "nonce", "acr", "amr",
	"at_hash", "azp", "preferred_username", "name", "given_name", "family_name", "email", "email_verified", "updated_at"}

// discoveryCacheControl lets relying parties and proxies keep the
// discovery document for five minutes.
const discoveryCacheControl = "public, max-age=300"

// discoveryDocument is the library's document with what it does not know:
// every authorization response carries iss (RFC 9207 §3).
type discoveryDocument struct {
	*oidc.DiscoveryConfiguration
	IssParameterSupported bool `json:"authorization_response_iss_parameter_supported"`
}

// newDiscovery builds the discovery document, corrected to advertise only
// what otpgate really offers: the code flow, S256 PKCE, the code and
// refresh grants, and no device or JWT-bearer grant.
//
// The id_token response type and the form_post response mode are Entra
// ID's external authentication method (its request is an id_token form
// post, and it refuses a provider whose discovery does not list them).
// Only Entra clients are answered that way: every other client's
// ResponseTypes stays code, and the authorize guard refuses any other
// response type or mode for it, whatever this document says.
func newDiscovery(p *op.Provider, st *protocol.Storage, issuer string) discoveryDocument {
	ctx := op.ContextWithIssuer(context.Background(), issuer)
	d := op.CreateDiscoveryConfig(ctx, p, st)
	d.ResponseTypesSupported = []string{string(oidc.ResponseTypeCode), string(oidc.ResponseTypeIDTokenOnly)}
	d.ResponseModesSupported = []string{string(oidc.ResponseModeQuery), string(oidc.ResponseModeFormPost)}
	d.GrantTypesSupported = []oidc.GrantType{oidc.GrantTypeCode, oidc.GrantTypeRefreshToken, oidc.GrantTypeClientCredentials}
	d.ScopesSupported = []string{oidc.ScopeOpenID, oidc.ScopeProfile, oidc.ScopeEmail, oidc.ScopeOfflineAccess}
	d.CodeChallengeMethodsSupported = []oidc.CodeChallengeMethod{oidc.CodeChallengeMethodS256}
	d.ClaimsSupported = supportedClaims
	d.ACRValuesSupported = signin.SupportedACRs
	d.DeviceAuthorizationEndpoint = ""
	d.CheckSessionIframe = ""
	d.RequestParameterSupported = false
	d.RequestObjectSigningAlgValuesSupported = nil
	// The claims parameter is read for its acr member (essential acr).
	d.ClaimsParameterSupported = true
	d.RequestURIParameterSupported = false
	return discoveryDocument{d, true}
}

// encodeDiscovery encodes the discovery document once, at start-up: it
// depends on the configuration only (the issuer, the endpoints, the
// signing algorithms), never on the keys of the moment.
func encodeDiscovery(p *op.Provider, st *protocol.Storage, issuer string) ([]byte, error) {
	body, err := json.Marshal(newDiscovery(p, st, issuer))
	if err != nil {
		return nil, fmt.Errorf("encode the discovery document: %w", err)
	}
	// The newline json.Encoder (and so echo's c.JSON) ends a document with.
	return append(body, '\n'), nil
}
