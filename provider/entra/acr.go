package entra

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// The acr values Entra asks for that a passcode (a possession factor)
// satisfies. Entra also knows knowledge, inherence and
// knowledgeorinherence, which a passcode cannot answer truthfully.
const (
	ACRPossessionOrInherence            = "possessionorinherence"
	ACRKnowledgeOrPossession            = "knowledgeorpossession"
	ACRKnowledgeOrPossessionOrInherence = "knowledgeorpossessionorinherence"
	ACRPossession                       = "possession"
	// DefaultACR is the acr answered when a request names none: the value
	// Microsoft's example requests.
	DefaultACR = ACRPossessionOrInherence
	// AMR is the one amr value a passcode answer carries (RFC 8176 "otp").
	AMR = "otp"
)

// MaxClaimsLength bounds the claims parameter. Entra's is about 200 bytes.
const MaxClaimsLength = 4096

// satisfiedByPossession are the acr values a passcode satisfies.
var satisfiedByPossession = [...]string{
	ACRPossessionOrInherence,
	ACRKnowledgeOrPossession,
	ACRKnowledgeOrPossessionOrInherence,
	ACRPossession,
}

// claimsRequest is the part of the OpenID Connect claims parameter
// (Core 1.0 §5.5) that ChooseACR reads; other members are ignored.
type claimsRequest struct {
	IDToken struct {
		ACR *claimRequest `json:"acr"`
		AMR *claimRequest `json:"amr"`
	} `json:"id_token"`
}

// claimRequest is one requested claim: a single value or a list of values.
type claimRequest struct {
	Essential bool     `json:"essential"`
	Value     *string  `json:"value"`
	Values    []string `json:"values"`
}

// requested returns the values asked for, in the order asked (value
// first), or none when the claim was not requested or names no value.
func (c *claimRequest) requested() []string {
	if c == nil {
		return nil
	}
	if c.Value != nil {
		return append([]string{*c.Value}, c.Values...)
	}
	return c.Values
}

// ChooseACR returns the acr value to put in the answer for the request's
// claims parameter: the first requested acr value a passcode satisfies, in
// the order requested.
//
// It returns ErrUnsatisfiable when acr values are requested and none is
// satisfied by possession (only "knowledge", only "inherence", ...), or
// when amr values are requested and "otp" is not among them; whether a
// claim is marked essential does not matter (Entra always marks both, and
// answering a value it did not ask for would be refused anyway). It
// returns ErrMalformedClaims (wrapping the reason) when the parameter is
// longer than MaxClaimsLength or is not a JSON object of the shape OpenID
// Connect defines.
//
// An absent (empty) claims parameter, or one that requests no acr value,
// yields DefaultACR: Entra always sends the parameter, so this serves only
// other callers, and possessionorinherence is what a passcode truthfully
// is.
func ChooseACR(claimsParam string) (string, error) {
	if len(claimsParam) > MaxClaimsLength {
		return "", fmt.Errorf("%w: longer than %d bytes", ErrMalformedClaims, MaxClaimsLength)
	}
	if claimsParam == "" {
		return DefaultACR, nil
	}
	var req claimsRequest
	if !strings.HasPrefix(strings.TrimLeft(claimsParam, " \t\r\n"), "{") {
		return "", fmt.Errorf("%w: not a JSON object", ErrMalformedClaims)
	}
	if err := json.Unmarshal([]byte(claimsParam), &req); err != nil {
		return "", fmt.Errorf("%w: %v", ErrMalformedClaims, err)
	}
	if amrs := req.IDToken.AMR.requested(); len(amrs) > 0 && !slices.Contains(amrs, AMR) {
		return "", fmt.Errorf("%w: amr %q does not include %q", ErrUnsatisfiable, amrs, AMR)
	}
	acrs := req.IDToken.ACR.requested()
	if len(acrs) == 0 {
		return DefaultACR, nil
	}
	for _, acr := range acrs {
		if slices.Contains(satisfiedByPossession[:], acr) {
			return acr, nil
		}
	}
	return "", fmt.Errorf("%w: acr %q", ErrUnsatisfiable, acrs)
}
