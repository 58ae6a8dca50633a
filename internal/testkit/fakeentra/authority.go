package fakeentra

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"sync"
	"testing"
	"time"
)

// Authority is a fake Entra authority. Its methods are safe for concurrent
// use.
type Authority struct {
	srv      *httptest.Server
	tenantID string
	appID    string
	userOID  string
	pairwise []byte // the secret that derives pairwise subjects

	mu      sync.Mutex
	keys    []*signingKey // published; the last one signs
	fetches map[string]int
	down    bool
}

// signingKey is one published key.
type signingKey struct {
	kid  string
	priv *rsa.PrivateKey
	cert []byte // self-signed certificate, DER
}

// New starts a fake authority on 127.0.0.1 with one RSA-2048 key, a
// default tenant, application and user, and closes it when the test ends.
func New(t testing.TB) *Authority {
	t.Helper()
	a := &Authority{
		tenantID: NewGUID(),
		appID:    NewGUID(),
		userOID:  NewGUID(),
		pairwise: randomBytes(32),
		fetches:  make(map[string]int),
	}
	k, err := newSigningKey()
	if err != nil {
		t.Fatalf("fakeentra: %v", err)
	}
	a.keys = []*signingKey{k}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{tid}/v2.0/.well-known/openid-configuration", a.serveDiscovery)
	mux.HandleFunc("GET /{tid}/discovery/v2.0/keys", a.serveKeys)
	a.srv = httptest.NewUnstartedServer(mux)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("fakeentra: listen: %v", err)
	}
	a.srv.Listener = l
	a.srv.StartTLS()
	t.Cleanup(a.srv.Close)
	return a
}

// URL returns the authority's base URL (https://127.0.0.1:port), the
// counterpart of https://login.microsoftonline.com.
func (a *Authority) URL() string { return a.srv.URL }

// Client returns an HTTP client that trusts the authority's certificate.
func (a *Authority) Client() *http.Client { return a.srv.Client() }

// TenantID returns the default tenant id (a GUID) of minted hints.
func (a *Authority) TenantID() string { return a.tenantID }

// AppID returns the default Entra application id (a GUID): the aud of
// minted hints.
func (a *Authority) AppID() string { return a.appID }

// UserOID returns the default user's object id (a GUID).
func (a *Authority) UserOID() string { return a.userOID }

// Issuer returns the issuer of tenant tid's tokens: {URL}/{tid}/v2.0.
func (a *Authority) Issuer(tid string) string { return a.srv.URL + "/" + tid + "/v2.0" }

// Subject returns the pairwise subject Entra gives user oid for
// application appID: the same for the same pair, unrelated otherwise.
func (a *Authority) Subject(oid, appID string) string {
	return pairwiseSubject(a.pairwise, oid, appID)
}

// KeyID returns the id of the key that signs hints now.
func (a *Authority) KeyID() string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.keys[len(a.keys)-1].kid
}

// Rotate publishes a new RSA-2048 key, which signs the hints minted from
// now on (the old ones stay published), and returns its kid.
func (a *Authority) Rotate() string {
	k, err := newSigningKey()
	if err != nil {
		panic(fmt.Sprintf("fakeentra: %v", err))
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	a.keys = append(a.keys, k)
	return k.kid
}

// KeyFetches returns how many times tenant tid's key set was fetched
// (answered or not).
func (a *Authority) KeyFetches(tid string) int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.fetches[tid]
}

// AllKeyFetches returns how many times any tenant's key set was fetched.
func (a *Authority) AllKeyFetches() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	n := 0
	for _, c := range a.fetches {
		n += c
	}
	return n
}

// SetDown makes the authority answer every request with 503 Service
// Unavailable (down) or serve again (!down).
func (a *Authority) SetDown(down bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.down = down
}

// guidPattern is a GUID in Entra's lower-case form.
var guidPattern = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

// serveDiscovery serves a tenant's OpenID configuration, shaped like
// Entra's v2.0 document.
func (a *Authority) serveDiscovery(w http.ResponseWriter, r *http.Request) {
	tid, ok := a.tenant(w, r, false)
	if !ok {
		return
	}
	base := a.srv.URL + "/" + tid
	writeJSON(w, map[string]any{
		"issuer":                                a.Issuer(tid),
		"authorization_endpoint":                base + "/oauth2/v2.0/authorize",
		"token_endpoint":                        base + "/oauth2/v2.0/token",
		"jwks_uri":                              base + "/discovery/v2.0/keys",
		"response_types_supported":              []string{"code", "id_token", "code id_token", "id_token token"},
		"response_modes_supported":              []string{"query", "fragment", "form_post"},
		"subject_types_supported":               []string{"pairwise"},
		"id_token_signing_alg_values_supported": []string{"RS256"},
		"scopes_supported":                      []string{"openid", "profile", "email", "offline_access"},
		"claims_supported": []string{"sub", "iss", "aud", "exp", "iat", "nbf", "ver", "oid", "tid",
			"preferred_username", "name", "nonce"},
	})
}

// serveKeys serves the key set (the same for every tenant), as Entra
// does: RSA keys with use, kid = x5t, the certificate and the issuer.
func (a *Authority) serveKeys(w http.ResponseWriter, r *http.Request) {
	tid, ok := a.tenant(w, r, true)
	if !ok {
		return
	}
	a.mu.Lock()
	keys := append([]*signingKey(nil), a.keys...)
	a.mu.Unlock()
	set := make([]map[string]any, 0, len(keys))
	for _, k := range keys {
		set = append(set, map[string]any{
			"kty":    "RSA",
			"use":    "sig",
			"kid":    k.kid,
			"x5t":    k.kid,
			"n":      b64(k.priv.N.Bytes()),
			"e":      b64(big.NewInt(int64(k.priv.E)).Bytes()),
			"x5c":    []string{base64.StdEncoding.EncodeToString(k.cert)},
			"issuer": a.Issuer(tid),
		})
	}
	writeJSON(w, map[string]any{"keys": set})
}

// tenant returns the request's tenant id, counting a key fetch when
// countFetch, or answers as Entra would (400 for a tenant that is not a
// GUID) or 503 when the authority is down.
func (a *Authority) tenant(w http.ResponseWriter, r *http.Request, countFetch bool) (string, bool) {
	tid := r.PathValue("tid")
	a.mu.Lock()
	if countFetch {
		a.fetches[tid]++
	}
	down := a.down
	a.mu.Unlock()
	if down {
		http.Error(w, "service unavailable", http.StatusServiceUnavailable)
		return "", false
	}
	if !guidPattern.MatchString(tid) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write([]byte(`{"error":"invalid_tenant","error_description":"AADSTS90002: Tenant not found."}`))
		return "", false
	}
	return tid, true
}

// writeJSON answers v as JSON with an explicit Content-Length.
func writeJSON(w http.ResponseWriter, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Content-Length", fmt.Sprint(len(b)))
	_, _ = w.Write(b)
}

// newSigningKey makes an RSA-2048 key with a self-signed certificate; its
// kid is the certificate's SHA-1 thumbprint, base64url, as Entra's.
func newSigningKey() (*signingKey, error) {
	priv, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, fmt.Errorf("generate key: %w", err)
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber: new(big.Int).SetBytes(randomBytes(16)),
		Subject:      pkix.Name{CommonName: "accounts.accesscontrol.windows.net"},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
	}
	cert, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &priv.PublicKey, priv)
	if err != nil {
		return nil, fmt.Errorf("certificate: %w", err)
	}
	sum := sha1.Sum(cert)
	return &signingKey{kid: b64(sum[:]), priv: priv, cert: cert}, nil
}

// b64 is base64url without padding.
func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// randomBytes returns n random bytes.
func randomBytes(n int) []byte {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return b
}

// NewGUID returns a random GUID in Entra's lower-case form.
func NewGUID() string {
	b := randomBytes(16)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
