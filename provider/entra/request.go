package entra

import (
	"encoding/json"
	"errors"
	"slices"
)

// RedirectURIs are the addresses Entra receives an external method's
// answer at, one per Microsoft cloud; a request's redirect_uri must be
// one of them, byte for byte.
var RedirectURIs = []string{
	"https://login.microsoftonline.com/common/federation/externalauthprovider",
	"https://login.microsoftonline.us/common/federation/externalauthprovider",
	"https://login.partner.microsoftonline.cn/common/federation/externalauthprovider",
}

// ErrRedirectURI: the redirect URI is not one of Microsoft's.
var ErrRedirectURI = errors.New("entra: redirect_uri is not a Microsoft external authentication address")

// CheckRedirectURI accepts exactly one of RedirectURIs.
func CheckRedirectURI(u string) error {
	if slices.Contains(RedirectURIs, u) {
		return nil
	}
	return ErrRedirectURI
}

// Errors of ChooseACR.
var (
	// ErrUnsatisfiable: no acr (or amr) the request accepts is one a TOTP
	// passcode (possession) gives; the answer is access_denied.
	ErrUnsatisfiable = errors.New("entra: no requested acr is satisfied by possession")
	// ErrMalformedClaims: the claims parameter is not the JSON it must be.
	ErrMalformedClaims = errors.New("entra: malformed claims parameter")
)

// DefaultACR is answered when a request has no claims parameter (Entra
// always sends one): the class Microsoft's example asks for.
const DefaultACR = "possessionorinherence"

// possessionACRs are the acr values Entra knows that possession satisfies.
var possessionACRs = []string{"possessionorinherence", "knowledgeorpossession", "knowledgeorpossessionorinherence", "possession"}

// maxClaims bounds the claims parameter.
const maxClaims = 8 << 10

// ChooseACR is the acr to answer a request's claims parameter with: the
// first requested value that possession satisfies, in the order
// requested. When amr values are requested, "otp" must be among them.
func ChooseACR(claimsParam string) (string, error) {
	if claimsParam == "" {
		return DefaultACR, nil
	}
	if len(claimsParam) > maxClaims {
		return "", ErrMalformedClaims
	}
	var req struct {
		IDToken struct {
			ACR *claimRequest `json:"acr"`
			AMR *claimRequest `json:"amr"`
		} `json:"id_token"`
	}
	if err := json.Unmarshal([]byte(claimsParam), &req); err != nil {
		return "", errors.Join(ErrMalformedClaims, err)
	}
	if amr := req.IDToken.AMR; amr != nil && len(amr.values()) > 0 && !slices.Contains(amr.values(), "otp") {
		return "", ErrUnsatisfiable
	}
	acr := req.IDToken.ACR
	if acr == nil || len(acr.values()) == 0 {
		return DefaultACR, nil
	}
	for _, v := range acr.values() {
		if slices.Contains(possessionACRs, v) {
			return v, nil
		}
	}
	return "", ErrUnsatisfiable
}

// claimRequest is one member of a claims request (OIDC Core 5.5.1).
type claimRequest struct {
	Essential bool     `json:"essential"`
	Value     string   `json:"value"`
	Values    []string `json:"values"`
}

func (c *claimRequest) values() []string {
	if c.Value != "" {
		return append([]string{c.Value}, c.Values...)
	}
	return c.Values
}
