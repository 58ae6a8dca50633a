package fakeentra

import "net/url"

// ExampleClaims is the claims parameter of Microsoft's example request:
// possessionorinherence, and any possession or inherence amr.
const ExampleClaims = `{"id_token":{"acr":{"essential":true,"values":["possessionorinherence"]},"amr":{"essential":true,"values":["face","fido","fpt","hwk","iris","otp","pop","retina","sc","sms","swk","tel","vbm"]}}}`

// RedirectURI is the reply URL of Entra's global cloud.
const RedirectURI = "https://login.microsoftonline.com/common/federation/externalauthprovider"

// FormRequest returns the authorization request Entra's browser form
// posts to an external authentication method, as in Microsoft's example:
// for client clientID (the id otpgate gave the tenant) with the hint
// idTokenHint, and a fresh random nonce, state and client-request-id. A
// test changes or deletes a value before posting it.
func FormRequest(clientID, idTokenHint string) url.Values {
	return url.Values{
		"scope":             {"openid"},
		"response_type":     {"id_token"},
		"response_mode":     {"form_post"},
		"client_id":         {clientID},
		"redirect_uri":      {RedirectURI},
		"nonce":             {NewGUID()},
		"state":             {b64(randomBytes(32))},
		"id_token_hint":     {idTokenHint},
		"claims":            {ExampleClaims},
		"client-request-id": {NewGUID()},
	}
}
