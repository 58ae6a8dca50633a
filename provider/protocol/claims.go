package protocol

import (
	"context"
	"encoding/json"
	"slices"

	"github.com/zitadel/oidc/v3/pkg/oidc"

	"github.com/otpgate/otpgate/provider/signin"
)

// The library does not read the claims request parameter (OIDC Core
// §5.5); otpgate honours its acr member only. The parameter travels from
// the HTTP request to CreateAuthRequest in the request's context, like the
// fault marker, because the library hands storage a parsed request
// without it.

type claimsKey struct{}

// WithClaimsParameter returns ctx carrying the raw claims parameter of the
// authorization request being served.
func WithClaimsParameter(ctx context.Context, raw string) context.Context {
	return context.WithValue(ctx, claimsKey{}, raw)
}

// claimRequest is one member of a claims request (OIDC Core §5.5.1).
type claimRequest struct {
	Essential bool     `json:"essential"`
	Value     *string  `json:"value"`
	Values    []string `json:"values"`
}

// claimsRequest is the parts of the claims parameter otpgate reads.
type claimsRequest struct {
	IDToken  map[string]*claimRequest `json:"id_token"`
	Userinfo map[string]*claimRequest `json:"userinfo"`
}

// errUnmetACR answers an essential acr otpgate cannot give. OIDC Core
// §5.5.1.1 says to treat it as a failed authentication; OpenID Connect Core
// Error Code unmet_authentication_requirements (OpenID Foundation, 2019)
// names exactly this case, where access_denied would tell the relying party
// that the person refused, which they did not.
func errUnmetACR() *oidc.Error {
	e := oidc.ErrAccessDenied().WithDescription("the essential acr requested cannot be satisfied")
	e.ErrorType = "unmet_authentication_requirements"
	return e
}

// essentialACR reads the claims parameter on ctx and folds an essential
// acr into the request's acr_values: it returns acr with the multi-factor
// value added when an essential acr asks for it (so the passcode is
// demanded exactly as for acr_values), invalid_request for a malformed
// parameter, and unmet_authentication_requirements when none of the
// essential values is one otpgate issues. A voluntary acr, or an essential
// one without values (the relying party only wants the claim, which every
// ID token carries), changes nothing.
//
// essential lists the essential values otpgate issues (nil when there are
// none): the flow keeps them, and a sign-in that ends with another acr
// answers unmet_authentication_requirements (signin.ErrUnmetACR).
func essentialACR(ctx context.Context, acr []string) (_, issuedEssential []string, _ error) {
	raw, _ := ctx.Value(claimsKey{}).(string)
	if raw == "" {
		return acr, nil, nil
	}
	var req claimsRequest
	if err := json.Unmarshal([]byte(raw), &req); err != nil {
		return nil, nil, oidc.ErrInvalidRequest().WithDescription("the claims parameter is not a valid claims request")
	}
	var wanted []string
	essential := false
	for _, member := range []map[string]*claimRequest{req.IDToken, req.Userinfo} {
		c := member["acr"]
		if c == nil || !c.Essential {
			continue
		}
		essential = true
		wanted = append(wanted, c.Values...)
		if c.Value != nil {
			wanted = append(wanted, *c.Value)
		}
	}
	if !essential || len(wanted) == 0 {
		return acr, nil, nil
	}
	issued := slices.DeleteFunc(slices.Clone(wanted), func(v string) bool { return !slices.Contains(signin.SupportedACRs, v) })
	slices.Sort(issued)
	issued = slices.Compact(issued)
	if len(issued) == 0 {
		return nil, nil, errUnmetACR()
	}
	if slices.Contains(issued, signin.ACRMFA) && !slices.Contains(acr, signin.ACRMFA) {
		acr = append(slices.Clone(acr), signin.ACRMFA)
	}
	return acr, issued, nil
}

// ErrUnmetACR is the authorization error of a sign-in whose acr is none
// of the essential values its request asked for.
func ErrUnmetACR() *oidc.Error { return errUnmetACR() }
