package provider

import (
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/otpgate/otpgate/provider/protocol"
	"github.com/otpgate/otpgate/provider/signin"
)

// supportedClaims are the claims otpgate can put in ID tokens and userinfo.
var supportedClaims = []string{"sub", "aud", "exp", "iat", "iss", "auth_time", "nonce", "acr", "amr",
	"at_hash", "azp", "preferred_username", "name", "email", "email_verified", "updated_at"}

// discovery serves the discovery document built by the library, corrected
// to advertise only what otpgate really offers: the code flow, S256 PKCE,
// the code and refresh grants, and no device or JWT-bearer grant.
func discovery(p *op.Provider, st *protocol.Storage, issuer string) echo.HandlerFunc {
	return func(c echo.Context) error {
		ctx := op.ContextWithIssuer(c.Request().Context(), issuer)
		d := op.CreateDiscoveryConfig(ctx, p, st)
		d.ResponseTypesSupported = []string{string(oidc.ResponseTypeCode)}
		d.ResponseModesSupported = []string{"query"}
		d.GrantTypesSupported = []oidc.GrantType{oidc.GrantTypeCode, oidc.GrantTypeRefreshToken}
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
		c.Response().Header().Set("Cache-Control", "public, max-age=300")
		return c.JSON(http.StatusOK, discoveryDocument{d, true})
	}
}

// discoveryDocument is the library's document with what it does not know:
// every authorization response carries iss (RFC 9207 §3).
type discoveryDocument struct {
	*oidc.DiscoveryConfiguration
	IssParameterSupported bool `json:"authorization_response_iss_parameter_supported"`
}
