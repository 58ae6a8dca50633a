package protocol

import (
	"context"
	"errors"
	"slices"
	"strings"

	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/otpgate/otpgate/provider/credential"
	"github.com/otpgate/otpgate/provider/store"
)

// CreateAuthRequest stores a validated authorization request as a new
// sign-in flow. It enforces what the library leaves to storage: PKCE is
// S256 only, with the challenge's syntax checked, and public clients must
// use it; an essential acr in the claims parameter is met or refused.
// Its errors are redirected to the (already validated) redirect URI.
func (s *Storage) CreateAuthRequest(ctx context.Context, req *oidc.AuthRequest, hintSubject string) (op.AuthRequest, error) {
	if req.CodeChallenge != "" && req.CodeChallengeMethod != oidc.CodeChallengeMethodS256 {
		return nil, oidc.ErrInvalidRequest().WithDescription("code_challenge_method must be S256")
	}
	if req.CodeChallenge != "" && !ValidPKCEValue(req.CodeChallenge) {
		return nil, oidc.ErrInvalidRequest().WithDescription("code_challenge must be 43 to 128 unreserved characters")
	}
	if req.CodeChallenge == "" && req.CodeChallengeMethod != "" {
		return nil, oidc.ErrInvalidRequest().WithDescription("code_challenge_method without code_challenge")
	}
	c, err := s.store.ClientByID(ctx, req.ClientID)
	noteFault(ctx, err)
	if err != nil {
		return nil, oidc.ErrServerError().WithParent(err)
	}
	if c.Public && req.CodeChallenge == "" {
		return nil, oidc.ErrInvalidRequest().WithDescription("PKCE (code_challenge with S256) is required for this client")
	}
	if req.ResponseMode != "" && req.ResponseMode != oidc.ResponseModeQuery {
		return nil, oidc.ErrInvalidRequest().WithDescription("only response_mode=query is supported")
	}
	if len(req.LoginHint) > 320 || len(req.ACRValues) > 16 || len(req.UILocales) > 16 {
		return nil, oidc.ErrInvalidRequest().WithDescription("login_hint, acr_values or ui_locales is too long")
	}
	// acr_values are voluntary (OIDC Core 3.1.2.1): values otpgate does not
	// know are ignored and the token's acr says what really happened; the
	// multi-factor value always demands the second factor (signin.WantsMFA).
	// An essential acr (claims parameter) is not voluntary: its multi-factor
	// value joins acr_values, and one otpgate cannot give fails the request.
	acrValues, essential, err := essentialACR(ctx, req.ACRValues)
	if err != nil {
		return nil, err
	}
	if req.ResponseType != oidc.ResponseTypeCode {
		return nil, oidc.ErrInvalidRequest().WithDescription("only response_type=code is supported")
	}
	var named *store.User
	typed := false
	if c.Mode == store.ModeSecondFactor {
		// The user was named by the caller (verified before the library:
		// a signed request object, or a trusted login_hint); a plain
		// login_hint never reaches here as a name, only as the username
		// step's suggestion. A request that names nobody asks the person
		// for a username.
		if named, err = s.namedUser(ctx); err != nil {
			return nil, err
		}
		typed = named == nil
	}
	now := s.store.Now()
	f := &store.Flow{
		ID: newID(),
		FlowRequest: store.FlowRequest{
			ClientID:            req.ClientID,
			RedirectURI:         req.RedirectURI,
			Scopes:              slices.Clone([]string(req.Scopes)),
			State:               req.State,
			Nonce:               req.Nonce,
			ResponseType:        string(req.ResponseType),
			ResponseMode:        string(req.ResponseMode),
			CodeChallenge:       req.CodeChallenge,
			CodeChallengeMethod: string(req.CodeChallengeMethod),
			Prompt:              slices.Clone([]string(req.Prompt)),
			UILocales:           uiLocales(req.UILocales),
			LoginHint:           req.LoginHint,
			ACRValues:           strings.Join(acrValues, " "),
			EssentialACR:        strings.Join(essential, " "),
			IDTokenHintSubject:  hintSubject,
		},
		FlowProgress: store.FlowProgress{AMR: store.StringList{}, BrowserHash: browserOf(ctx)},
		CreatedAt:    now,
		ExpiresAt:    now.Add(s.life.Flow),
	}
	if typed {
		f.FirstFactor = store.FirstFactorTyped
	}
	if named != nil {
		f.UserID, f.FirstFactor = named.ID, store.FirstFactorCaller
		if !namedVerified(ctx) {
			f.FirstFactor = store.FirstFactorNamed
		}
	}
	if req.MaxAge != nil {
		v := int64(*req.MaxAge)
		f.MaxAge = &v
	}
	if err := s.store.CreateFlow(ctx, f); err != nil {
		return nil, oidc.ErrServerError().WithParent(err)
	}
	return authRequest{f: f}, nil
}

func uiLocales(tags oidc.Locales) string {
	out := make([]string, 0, len(tags))
	for _, t := range tags {
		out = append(out, t.String())
	}
	return strings.Join(out, " ")
}

type browserKey struct{}

// WithBrowser carries the hash of the binding cookie of the browser that
// sent an authorization request: CreateAuthRequest binds the new flow to
// it as it stores it ("" leaves the flow for the sign-in's first page to
// bind).
func WithBrowser(ctx context.Context, browserHash string) context.Context {
	return context.WithValue(ctx, browserKey{}, browserHash)
}

func browserOf(ctx context.Context) string {
	h, _ := ctx.Value(browserKey{}).(string)
	return h
}

// AuthRequestByID returns an unexpired flow; the library's callback then
// refuses it unless Done() is true.
func (s *Storage) AuthRequestByID(ctx context.Context, id string) (op.AuthRequest, error) {
	f, err := s.store.FlowByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if !f.ExpiresAt.After(s.store.Now()) {
		return nil, errors.New("auth request expired")
	}
	return authRequest{f: f}, nil
}

// AuthRequestByCode returns the flow of an unused code. A code presented a
// second time revokes everything issued from it.
func (s *Storage) AuthRequestByCode(ctx context.Context, code string) (op.AuthRequest, error) {
	f, u, err := s.store.FlowByCodeWithUser(ctx, credential.HashToken(code))
	noteFault(ctx, err)
	if err != nil {
		if errors.Is(err, store.ErrAlreadyUsed) {
			s.log.WarnContext(ctx, "authorization code replayed; tokens revoked")
		}
		return nil, err
	}
	if u == nil {
		return nil, store.ErrNotFound
	}
	if u.Disabled {
		return nil, errors.New("account disabled")
	}
	return authRequest{f: f, u: u}, nil
}

// SaveAuthCode stores the code's hash on a finished flow.
func (s *Storage) SaveAuthCode(ctx context.Context, id, code string) error {
	return s.store.SaveCode(ctx, id, credential.HashToken(code), s.life.Code)
}

// DeleteAuthRequest does nothing. The library calls it only after the
// tokens of a redeemed code were committed; the flow must stay (until the
// cleanup job removes it after expiry) so that a replayed code is
// recognised, and a database hiccup here must not turn a completed
// exchange into an error whose retry would look like a replay.
func (s *Storage) DeleteAuthRequest(context.Context, string) error { return nil }

type namedKey struct{}

type namedBy struct {
	name     string
	verified bool
}

// WithNamedUser carries the username a factor-only client's request
// named, once checked: verified when a signed request object named it,
// not when a trusted client's plain login_hint did. CreateAuthRequest
// binds the new flow to that account.
func WithNamedUser(ctx context.Context, username string, verified bool) context.Context {
	return context.WithValue(ctx, namedKey{}, namedBy{name: username, verified: verified})
}

func namedVerified(ctx context.Context) bool {
	n, _ := ctx.Value(namedKey{}).(namedBy)
	return n.verified
}

// namedUser is the enabled account a factor-only request named (nil when
// it named nobody); the request is refused (access_denied) when the name
// is no enabled account.
func (s *Storage) namedUser(ctx context.Context) (*store.User, error) {
	n, _ := ctx.Value(namedKey{}).(namedBy)
	name := n.name
	if name == "" {
		return nil, nil
	}
	u, err := s.store.UserByUsername(ctx, name)
	if errors.Is(err, store.ErrNotFound) || (err == nil && u.Disabled) {
		return nil, oidc.ErrAccessDenied().WithDescription("the named user cannot sign in")
	}
	if err != nil {
		noteFault(ctx, err)
		return nil, oidc.ErrServerError().WithParent(err)
	}
	return u, nil
}
