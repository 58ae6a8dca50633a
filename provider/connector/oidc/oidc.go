package oidc

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	gooidc "github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/otpgate/otpgate/provider/connector"
)

// Config is an upstream connector's settings (config.ConnectorConfig's
// oidc part).
type Config struct {
	ID, Name string
	// Issuer is the upstream's issuer URL, exactly as its tokens say it.
	Issuer string
	// ClientID and ClientSecret are otpgate's registration at the
	// upstream; RedirectURL is <otpgate issuer>/login/connector/<id>/callback.
	ClientID, ClientSecret string
	RedirectURL            string
	// Scopes requested besides openid (default profile and email).
	Scopes []string
	// Claims name the upstream claims of the username, email and display
	// name (defaults preferred_username, email, name).
	Claims Claims
	// Trust is the trust in the upstream's own MFA.
	Trust connector.MFATrust
	// HTTPClient talks to the upstream (nil: a client with timeouts).
	HTTPClient *http.Client
	// RetryAfter is how long a failed discovery is remembered before the
	// next sign-in tries again (default 15 seconds).
	RetryAfter time.Duration
	// Now is the clock tokens are checked against (default time.Now).
	Now func() time.Time
}

// Claims names the upstream claims an account is filled from.
type Claims struct{ Username, Email, Name string }

// signingAlgs are the ID token signatures accepted: asymmetric only.
var signingAlgs = []string{gooidc.RS256, gooidc.RS384, gooidc.RS512, gooidc.ES256, gooidc.ES384, gooidc.ES512,
	gooidc.PS256, gooidc.PS384, gooidc.PS512, gooidc.EdDSA}

// Connector is an upstream OpenID provider. It is safe for concurrent use.
type Connector struct {
	cfg    Config
	client *http.Client

	mu       sync.Mutex
	provider *gooidc.Provider
	failedAt time.Time
	failure  error
}

var _ connector.CallbackConnector = (*Connector)(nil)

// New returns the connector of cfg; it does not reach the upstream.
func New(cfg Config) (*Connector, error) {
	if cfg.ID == "" || cfg.Issuer == "" || cfg.ClientID == "" || cfg.RedirectURL == "" {
		return nil, errors.New("oidc connector: id, issuer, client id and redirect URL are required")
	}
	if len(cfg.Scopes) == 0 {
		cfg.Scopes = []string{gooidc.ScopeOpenID, "profile", "email"}
	} else if !slices.Contains(cfg.Scopes, gooidc.ScopeOpenID) {
		cfg.Scopes = append([]string{gooidc.ScopeOpenID}, cfg.Scopes...)
	}
	if cfg.Claims.Username == "" {
		cfg.Claims.Username = "preferred_username"
	}
	if cfg.Claims.Email == "" {
		cfg.Claims.Email = "email"
	}
	if cfg.Claims.Name == "" {
		cfg.Claims.Name = "name"
	}
	if cfg.RetryAfter <= 0 {
		cfg.RetryAfter = 15 * time.Second
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	c := &Connector{cfg: cfg, client: cfg.HTTPClient}
	if c.client == nil {
		c.client = NewHTTPClient()
	}
	return c, nil
}

// NewHTTPClient is a client for an upstream: bounded connection, TLS and
// response times, no more than a few redirects.
func NewHTTPClient() *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.DialContext = (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext
	t.TLSHandshakeTimeout = 5 * time.Second
	t.ResponseHeaderTimeout = 10 * time.Second
	return &http.Client{Transport: t, Timeout: 15 * time.Second}
}

// ID is the connector's id.
func (c *Connector) ID() string { return c.cfg.ID }

// Name is shown on the password page's button.
func (c *Connector) Name() string { return c.cfg.Name }

// Issuer is the upstream's issuer.
func (c *Connector) Issuer() string { return c.cfg.Issuer }

// MFATrust is the trust in the upstream's own MFA.
func (c *Connector) MFATrust() connector.MFATrust { return c.cfg.Trust }

// discover is the upstream's discovered configuration, read at the first
// need; a failure is remembered for RetryAfter, in which every sign-in
// is told the upstream is unavailable without asking it again.
func (c *Connector) discover(ctx context.Context) (*gooidc.Provider, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.provider != nil {
		return c.provider, nil
	}
	if c.failure != nil && c.cfg.Now().Sub(c.failedAt) < c.cfg.RetryAfter {
		return nil, c.failure
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	p, err := gooidc.NewProvider(gooidc.ClientContext(ctx, c.client), c.cfg.Issuer)
	if err != nil {
		c.failedAt, c.failure = c.cfg.Now(), fmt.Errorf("%w: discovery of %s: %w", connector.ErrUnavailable, c.cfg.Issuer, err)
		return nil, c.failure
	}
	c.provider, c.failure = p, nil
	return p, nil
}

// Warm discovers the upstream in the background of a start: up to
// attempts tries, waiting longer after each failure, until one succeeds
// or ctx ends. It returns the last error.
func (c *Connector) Warm(ctx context.Context, attempts int) error {
	wait := time.Second
	var err error
	for range attempts {
		c.mu.Lock()
		c.failure = nil // a deliberate retry
		c.mu.Unlock()
		if _, err = c.discover(ctx); err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(wait):
		}
		wait *= 2
	}
	return err
}

func (c *Connector) oauth2Config(p *gooidc.Provider) *oauth2.Config {
	return &oauth2.Config{ClientID: c.cfg.ClientID, ClientSecret: c.cfg.ClientSecret, Endpoint: p.Endpoint(),
		RedirectURL: c.cfg.RedirectURL, Scopes: c.cfg.Scopes}
}

// AuthURL is where the browser signs in at the upstream.
func (c *Connector) AuthURL(ctx context.Context, state, nonce, codeChallenge string) (string, error) {
	p, err := c.discover(ctx)
	if err != nil {
		return "", err
	}
	return c.oauth2Config(p).AuthCodeURL(state, gooidc.Nonce(nonce),
		oauth2.SetAuthURLParam("code_challenge", codeChallenge), oauth2.SetAuthURLParam("code_challenge_method", "S256")), nil
}

// AuthEndpoint is the upstream's authorization endpoint when it was
// discovered, its issuer otherwise (the password page's form-action).
func (c *Connector) AuthEndpoint() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.provider != nil {
		return c.provider.Endpoint().AuthURL
	}
	return c.cfg.Issuer
}

// Check reads the discovery document and the key set.
func (c *Connector) Check(ctx context.Context) error {
	c.mu.Lock()
	c.failure = nil
	c.mu.Unlock()
	p, err := c.discover(ctx)
	if err != nil {
		return err
	}
	var d struct {
		JWKSURI string `json:"jwks_uri"`
	}
	if err := p.Claims(&d); err != nil || d.JWKSURI == "" {
		return fmt.Errorf("%w: the discovery document names no jwks_uri", connector.ErrUnavailable)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, d.JWKSURI, nil)
	if err != nil {
		return err
	}
	resp, err := c.client.Do(req)
	if err != nil {
		return fmt.Errorf("%w: key set: %w", connector.ErrUnavailable, err)
	}
	defer resp.Body.Close()
	var set struct {
		Keys []map[string]any `json:"keys"`
	}
	if err := decodeJSON(resp, &set); err != nil {
		return fmt.Errorf("%w: key set: %w", connector.ErrUnavailable, err)
	}
	if len(set.Keys) == 0 {
		return fmt.Errorf("%w: the key set %s holds no key", connector.ErrUnavailable, d.JWKSURI)
	}
	return nil
}

// refused wraps a refusal of the upstream's answer.
func refused(format string, a ...any) error {
	return fmt.Errorf("%w: %s", connector.ErrRefused, fmt.Sprintf(format, a...))
}

// Exchange redeems code and verifies the ID token (see the package doc).
func (c *Connector) Exchange(ctx context.Context, code, verifier, nonce string) (connector.Identity, error) {
	p, err := c.discover(ctx)
	if err != nil {
		return connector.Identity{}, err
	}
	if code == "" || verifier == "" || nonce == "" {
		return connector.Identity{}, refused("no code")
	}
	cctx := gooidc.ClientContext(ctx, c.client)
	tok, err := c.oauth2Config(p).Exchange(cctx, code, oauth2.VerifierOption(verifier))
	if err != nil {
		var re *oauth2.RetrieveError
		if errors.As(err, &re) && re.Response != nil && re.Response.StatusCode < 500 {
			return connector.Identity{}, refused("token endpoint: %s", re.ErrorCode)
		}
		return connector.Identity{}, fmt.Errorf("%w: token endpoint: %w", connector.ErrUnavailable, err)
	}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return connector.Identity{}, refused("the token response holds no ID token")
	}
	idt, err := p.VerifierContext(cctx, &gooidc.Config{ClientID: c.cfg.ClientID, SupportedSigningAlgs: signingAlgs, Now: c.cfg.Now}).
		Verify(cctx, raw)
	if err != nil {
		return connector.Identity{}, refused("ID token: %v", err)
	}
	return c.identity(cctx, p, idt, tok, nonce)
}

// tokenClaims are the ID token claims every sign-in reads.
type tokenClaims struct {
	AZP string   `json:"azp"`
	AMR []string `json:"amr"`
	ACR string   `json:"acr"`
}

// identity checks the verified token's nonce and azp and maps its claims
// (the userinfo's, for those the token lacks).
func (c *Connector) identity(ctx context.Context, p *gooidc.Provider, idt *gooidc.IDToken, tok *oauth2.Token, nonce string) (connector.Identity, error) {
	if idt.Nonce != nonce {
		return connector.Identity{}, refused("ID token nonce does not match")
	}
	if idt.Issuer != c.cfg.Issuer {
		return connector.Identity{}, refused("ID token issuer %q", idt.Issuer)
	}
	var tc tokenClaims
	claims := map[string]any{}
	if err := idt.Claims(&tc); err != nil {
		return connector.Identity{}, refused("ID token claims: %v", err)
	}
	if err := idt.Claims(&claims); err != nil {
		return connector.Identity{}, refused("ID token claims: %v", err)
	}
	if len(idt.Audience) > 1 && tc.AZP != c.cfg.ClientID {
		return connector.Identity{}, refused("ID token for several audiences without otpgate as azp")
	}
	if idt.AccessTokenHash != "" {
		if err := idt.VerifyAccessToken(tok.AccessToken); err != nil {
			return connector.Identity{}, refused("at_hash: %v", err)
		}
	}
	if idt.Subject == "" || len(idt.Subject) > 255 {
		return connector.Identity{}, refused("ID token sub missing or too long")
	}
	if _, ok := claims[c.cfg.Claims.Username].(string); !ok && p.UserInfoEndpoint() != "" {
		// The token does not carry the profile: the userinfo does, for the
		// same subject.
		info, err := p.UserInfo(ctx, oauth2.StaticTokenSource(tok))
		if err != nil {
			return connector.Identity{}, fmt.Errorf("%w: userinfo: %w", connector.ErrUnavailable, err)
		}
		if info.Subject != idt.Subject {
			return connector.Identity{}, refused("userinfo of another subject")
		}
		extra := map[string]any{}
		if err := info.Claims(&extra); err != nil {
			return connector.Identity{}, refused("userinfo claims: %v", err)
		}
		for k, v := range extra {
			if _, ok := claims[k]; !ok {
				claims[k] = v
			}
		}
	}
	username, _ := claims[c.cfg.Claims.Username].(string)
	if strings.TrimSpace(username) == "" {
		return connector.Identity{}, fmt.Errorf("%w: %w", ErrNoUsername, connector.ErrRefused)
	}
	id := connector.Identity{Subject: idt.Subject, Username: strings.TrimSpace(username), AMR: tc.AMR, ACR: tc.ACR}
	id.Name, _ = claims[c.cfg.Claims.Name].(string)
	// An email only when the upstream says it verified it: otpgate mails
	// reset links and enrollment proofs to it.
	if email, _ := claims[c.cfg.Claims.Email].(string); email != "" && verified(claims["email_verified"]) {
		id.Email = email
	}
	return id, nil
}

// ErrNoUsername: the upstream's answer lacks the configured username claim.
var ErrNoUsername = errors.New("oidc connector: the upstream sent no username")

// verified reads email_verified, which some providers send as a string.
func verified(v any) bool {
	switch b := v.(type) {
	case bool:
		return b
	case string:
		return b == "true"
	}
	return false
}
