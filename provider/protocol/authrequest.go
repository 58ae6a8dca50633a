package protocol

import (
	"log/slog"
	"time"

	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/otpgate/otpgate/provider/store"
)

// authRequest adapts a stored flow to op.AuthRequest. u is the flow's
// user, loaded with the code so that the ID token needs no further
// database read after the tokens are committed.
type authRequest struct {
	f *store.Flow
	u *store.User
}

var _ op.AuthRequest = authRequest{}

// NewAuthRequest adapts a stored flow to op.AuthRequest, for answering it
// with the library's error redirect (op.AuthRequestError).
func NewAuthRequest(f *store.Flow) op.AuthRequest { return authRequest{f: f} }

func (a authRequest) GetID() string          { return a.f.ID }
func (a authRequest) GetACR() string         { return a.f.ACR }
func (a authRequest) GetAMR() []string       { return a.f.AMR }
func (a authRequest) GetAudience() []string  { return []string{a.f.ClientID} }
func (a authRequest) GetClientID() string    { return a.f.ClientID }
func (a authRequest) GetNonce() string       { return a.f.Nonce }
func (a authRequest) GetRedirectURI() string { return a.f.RedirectURI }
func (a authRequest) GetScopes() []string    { return a.f.Scopes }
func (a authRequest) GetState() string       { return a.f.State }
func (a authRequest) GetSubject() string     { return a.f.UserID }
func (a authRequest) Done() bool             { return a.f.DoneAt != nil && a.f.UserID != "" }

func (a authRequest) GetAuthTime() time.Time {
	if a.f.AuthTime == nil {
		return time.Time{}
	}
	return *a.f.AuthTime
}

func (a authRequest) GetResponseType() oidc.ResponseType { return oidc.ResponseType(a.f.ResponseType) }
func (a authRequest) GetResponseMode() oidc.ResponseMode { return oidc.ResponseMode(a.f.ResponseMode) }

func (a authRequest) GetCodeChallenge() *oidc.CodeChallenge {
	if a.f.CodeChallenge == "" {
		return nil
	}
	return &oidc.CodeChallenge{Challenge: a.f.CodeChallenge, Method: oidc.CodeChallengeMethod(a.f.CodeChallengeMethod)}
}

// LogValue keeps the state, nonce and code challenge out of logs.
func (a authRequest) LogValue() slog.Value {
	return slog.GroupValue(slog.String("id", a.f.ID), slog.String("client_id", a.f.ClientID))
}

// refreshRequest is what a refresh token carries forward: the subject, the
// scopes, and the facts of the original authentication (amr, acr,
// auth_time). It deliberately does not implement op.AuthRequest.
type refreshRequest struct {
	row    *store.RefreshToken
	user   *store.User // loaded with the token, for the ID token's claims
	scopes []string
}

var _ op.RefreshTokenRequest = (*refreshRequest)(nil)

func (r *refreshRequest) GetAMR() []string            { return r.row.AMR }
func (r *refreshRequest) GetAudience() []string       { return r.row.Audience }
func (r *refreshRequest) GetAuthTime() time.Time      { return r.row.AuthTime }
func (r *refreshRequest) GetClientID() string         { return r.row.ClientID }
func (r *refreshRequest) GetScopes() []string         { return r.scopes }
func (r *refreshRequest) GetSubject() string          { return r.row.UserID }
func (r *refreshRequest) SetCurrentScopes(s []string) { r.scopes = s }
