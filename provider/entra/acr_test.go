package entra_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/otpgate/otpgate/internal/testkit/fakeentra"
	"github.com/otpgate/otpgate/provider/entra"
)

func TestChooseACR(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, claims string
		want         string
		wantErr      error
	}{
		{name: "Microsoft's example", claims: fakeentra.ExampleClaims, want: "possessionorinherence"},
		{name: "absent: the default", claims: "", want: entra.DefaultACR},
		{name: "first satisfiable in the order requested",
			claims: `{"id_token":{"acr":{"essential":true,"values":["knowledge","inherence","knowledgeorpossession","possession"]}}}`,
			want:   "knowledgeorpossession"},
		{name: "possession", claims: `{"id_token":{"acr":{"essential":true,"values":["possession"]}}}`, want: "possession"},
		{name: "knowledge, possession or inherence",
			claims: `{"id_token":{"acr":{"values":["knowledgeorpossessionorinherence"]}}}`, want: "knowledgeorpossessionorinherence"},
		{name: "a single value", claims: `{"id_token":{"acr":{"essential":true,"value":"possession"}}}`, want: "possession"},
		{name: "acr not requested, amr with otp", claims: `{"id_token":{"amr":{"essential":true,"values":["otp"]}}}`, want: entra.DefaultACR},
		{name: "acr null", claims: `{"id_token":{"acr":null}}`, want: entra.DefaultACR},
		{name: "only userinfo", claims: `{"userinfo":{"email":null}}`, want: entra.DefaultACR},
		{name: "unknown members ignored",
			claims: `{"id_token":{"acr":{"essential":true,"values":["possession"],"x":1},"auth_time":{"essential":true}},"x":[]}`,
			want:   "possession"},

		{name: "only knowledge", claims: `{"id_token":{"acr":{"essential":true,"values":["knowledge"]}}}`, wantErr: entra.ErrUnsatisfiable},
		{name: "only inherence", claims: `{"id_token":{"acr":{"essential":true,"values":["inherence"]}}}`, wantErr: entra.ErrUnsatisfiable},
		{name: "knowledge or inherence", claims: `{"id_token":{"acr":{"essential":true,"values":["knowledgeorinherence"]}}}`, wantErr: entra.ErrUnsatisfiable},
		{name: "case differs", claims: `{"id_token":{"acr":{"essential":true,"values":["Possession"]}}}`, wantErr: entra.ErrUnsatisfiable},
		{name: "amr without otp",
			claims:  `{"id_token":{"acr":{"essential":true,"values":["possessionorinherence"]},"amr":{"essential":true,"values":["face","fido","sms"]}}}`,
			wantErr: entra.ErrUnsatisfiable},
		{name: "amr a single other value", claims: `{"id_token":{"amr":{"value":"fido"}}}`, wantErr: entra.ErrUnsatisfiable},

		{name: "malformed JSON", claims: `{"id_token":{"acr":`, wantErr: entra.ErrMalformedClaims},
		{name: "not an object", claims: `["possession"]`, wantErr: entra.ErrMalformedClaims},
		{name: "null", claims: `null`, wantErr: entra.ErrMalformedClaims},
		{name: "values not a list", claims: `{"id_token":{"acr":{"values":"possession"}}}`, wantErr: entra.ErrMalformedClaims},
		{name: "values not strings", claims: `{"id_token":{"acr":{"values":[1]}}}`, wantErr: entra.ErrMalformedClaims},
		{name: "trailing data", claims: `{"id_token":{}} {}`, wantErr: entra.ErrMalformedClaims},
		{name: "too long", wantErr: entra.ErrMalformedClaims,
			claims: `{"id_token":{"acr":{"values":["possession"` + strings.Repeat(`,"x"`, entra.MaxClaimsLength/4) + `]}}}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := entra.ChooseACR(tc.claims)
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) || got != "" {
					t.Fatalf("ChooseACR = %q, %v; want %v", got, err, tc.wantErr)
				}
				other := entra.ErrMalformedClaims
				if tc.wantErr == entra.ErrMalformedClaims {
					other = entra.ErrUnsatisfiable
				}
				if errors.Is(err, other) {
					t.Fatalf("err = %v is also %v", err, other)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("ChooseACR = %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}
