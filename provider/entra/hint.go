package entra

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// Bounds of a hint.
const (
	// DefaultMaxAge is how old a hint's iat may be when Policy.MaxAge is
	// zero. Entra abandons an attempt about five minutes after redirecting.
	DefaultMaxAge = 10 * time.Minute
	// MaxFutureSkew is how far in the future a hint's iat may be (clock
	// skew between Entra and us).
	MaxFutureSkew = 5 * time.Minute
	// MaxHintLength bounds the raw hint; Entra's are two to three kilobytes.
	MaxHintLength = 16 << 10
)

// Policy is what an Entra EAM client allows: the Entra application the
// hints are issued to and the tenants that may use it.
type Policy struct {
	// AppID is the Entra application (client) id: the hint's aud.
	AppID string
	// Tenants are the allowed tenant ids (GUIDs, compared without regard
	// to case). An empty list allows no tenant.
	Tenants []string
	// MaxAge is how old the hint's iat may be; DefaultMaxAge when zero.
	MaxAge time.Duration
}

// Hint is a verified id_token_hint: the user Entra already authenticated.
// Accounts are bound by TenantID + OID; Subject is pairwise per Entra
// application and is what the answer's sub must repeat.
type Hint struct {
	// Subject is the hint's sub.
	Subject string
	// OID is the user's immutable object id (a lower-case GUID).
	OID string
	// TenantID is the user's tenant (a lower-case GUID).
	TenantID string
	// PreferredUsername, UPN and Name are for display only: they can change.
	PreferredUsername string
	UPN               string
	Name              string
	// IssuedAt is the hint's iat.
	IssuedAt time.Time
}

// hintHeader is the part of the JOSE header read before any key lookup.
type hintHeader struct {
	Alg string `json:"alg"`
	Kid string `json:"kid"`
}

// hintClaims are the claims of an Entra v2.0 ID token that are checked.
type hintClaims struct {
	Issuer            string           `json:"iss"`
	Audience          jwt.Audience     `json:"aud"`
	IssuedAt          *jwt.NumericDate `json:"iat"`
	Version           string           `json:"ver"`
	Subject           string           `json:"sub"`
	OID               string           `json:"oid"`
	TenantID          string           `json:"tid"`
	PreferredUsername string           `json:"preferred_username"`
	UPN               string           `json:"upn"`
	Name              string           `json:"name"`
}

// invalid returns an error wrapping ErrInvalidHint with a reason.
func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalidHint, fmt.Sprintf(format, args...))
}

// VerifyHint verifies raw, the id_token_hint of an EAM request, against p
// and returns the user it names.
//
// The order is part of the contract: the hint must be a compact JWS whose
// header alg is exactly RS256 and names a kid, and its (still unverified)
// tid must be on p.Tenants, before any key is looked up; then the
// signature is checked with that tenant's key of that kid; then the
// claims: iss exactly {authority}/{tid}/v2.0 (for the default authority,
// https://login.microsoftonline.com/{tid}/v2.0; a test authority mints
// hints naming its own URL), aud equal to p.AppID (or a list holding it),
// ver "2.0", sub, oid and tid present (oid and tid GUIDs), iat present, at
// most p.MaxAge old and at most MaxFutureSkew ahead. exp is ignored (Entra
// issues the hint already expired) and so is nbf (Entra sets it to iat,
// which is bounded).
//
// Errors wrap ErrInvalidHint (with the reason, for the log) or, when the
// tenant's keys could not be fetched, ErrUnavailable. A Policy without an
// AppID is a misconfiguration and refuses every hint.
func (a *Authority) VerifyHint(ctx context.Context, raw string, p Policy) (*Hint, error) {
	if p.AppID == "" {
		return nil, errors.New("entra: policy names no application id")
	}
	if len(raw) > MaxHintLength {
		return nil, invalid("longer than %d bytes", MaxHintLength)
	}
	header, err := parseHeader(raw)
	if err != nil {
		return nil, err
	}
	tok, err := jwt.ParseSigned(raw, []jose.SignatureAlgorithm{jose.RS256})
	if err != nil {
		return nil, invalid("not a compact RS256 JWS: %v", err)
	}
	var unverified struct {
		TenantID string `json:"tid"`
	}
	if err := tok.UnsafeClaimsWithoutVerification(&unverified); err != nil {
		return nil, invalid("claims: %v", err)
	}
	if unverified.TenantID == "" {
		return nil, invalid("no tid")
	}
	tid, ok := allowedTenant(unverified.TenantID, p.Tenants)
	if !ok {
		return nil, invalid("tenant %q not allowed", unverified.TenantID)
	}

	key, err := a.key(ctx, tid, header.Kid)
	if err != nil {
		return nil, err
	}
	var c hintClaims
	if err := tok.Claims(key, &c); err != nil {
		return nil, invalid("signature: %v", err)
	}
	return a.checkClaims(&c, p)
}

// parseHeader decodes the JOSE header of a compact JWS and checks that it
// says RS256 and names a kid. It refuses anything but three dot-separated
// parts (a JWE, the JSON serialization), so it needs no key.
func parseHeader(raw string) (*hintHeader, error) {
	parts := strings.Split(raw, ".")
	if len(parts) != 3 {
		return nil, invalid("not a compact JWS (%d parts)", len(parts))
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[0])
	if err != nil {
		return nil, invalid("header: %v", err)
	}
	var h hintHeader
	if err := json.Unmarshal(b, &h); err != nil {
		return nil, invalid("header: %v", err)
	}
	if h.Alg != string(jose.RS256) {
		return nil, invalid("alg %q, want RS256", h.Alg)
	}
	if h.Kid == "" {
		return nil, invalid("no kid")
	}
	return &h, nil
}

// allowedTenant returns the canonical form of tid when it is a GUID equal
// to one of allowed.
func allowedTenant(tid string, allowed []string) (string, bool) {
	c, ok := canonicalGUID(tid)
	if !ok {
		return "", false
	}
	for _, t := range allowed {
		if a, ok := canonicalGUID(t); ok && a == c {
			return c, true
		}
	}
	return "", false
}

// checkClaims checks the signed claims against p and the clock.
func (a *Authority) checkClaims(c *hintClaims, p Policy) (*Hint, error) {
	if c.Version != "2.0" {
		return nil, invalid("ver %q, want 2.0", c.Version)
	}
	if want := a.Issuer(c.TenantID); c.Issuer != want {
		return nil, invalid("iss %q, want %q", c.Issuer, want)
	}
	if !hasAudience(c.Audience, p.AppID) {
		return nil, invalid("aud %q does not name the application", []string(c.Audience))
	}
	if c.Subject == "" {
		return nil, invalid("no sub")
	}
	if c.OID == "" {
		return nil, invalid("no oid")
	}
	tid, ok := canonicalGUID(c.TenantID)
	if !ok {
		return nil, invalid("tid %q is not a GUID", c.TenantID)
	}
	oid, ok := canonicalGUID(c.OID)
	if !ok {
		return nil, invalid("oid %q is not a GUID", c.OID)
	}
	if c.IssuedAt == nil {
		return nil, invalid("no iat")
	}
	maxAge := p.MaxAge
	if maxAge <= 0 {
		maxAge = DefaultMaxAge
	}
	iat, now := c.IssuedAt.Time(), a.now()
	if now.Sub(iat) > maxAge {
		return nil, invalid("issued %s ago, more than %s", now.Sub(iat).Round(time.Second), maxAge)
	}
	if iat.Sub(now) > MaxFutureSkew {
		return nil, invalid("issued %s in the future", iat.Sub(now).Round(time.Second))
	}
	return &Hint{
		Subject:           c.Subject,
		OID:               oid,
		TenantID:          tid,
		PreferredUsername: c.PreferredUsername,
		UPN:               c.UPN,
		Name:              c.Name,
		IssuedAt:          iat,
	}, nil
}

// hasAudience reports whether aud names appID: byte for byte, or as the
// same GUID in another case.
func hasAudience(aud jwt.Audience, appID string) bool {
	want, isGUID := canonicalGUID(appID)
	for _, a := range aud {
		if a == appID {
			return true
		}
		if g, ok := canonicalGUID(a); ok && isGUID && g == want {
			return true
		}
	}
	return false
}
