package config

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// minClientSecretLength is the shortest confidential client secret accepted.
const minClientSecretLength = 16

// placeholderSecrets stand in for a client secret in examples and
// templates: the one in otpgate.example.yaml and the usual "change me"
// words. IsPlaceholderSecret compares without regard to case, "-", "_",
// "." or spaces, so "changeme" also stands for "change-me", "CHANGE_ME" and
// "Change Me". The list is short on purpose: it catches a copied example,
// not weak secrets in general.
var placeholderSecrets = []string{
	"replacewithalongrandomsecret", // otpgate.example.yaml
	"changeme",
	"replaceme",
	"secret",
	"clientsecret",
}

// IsPlaceholderSecret reports whether secret is one of the placeholders
// that examples put where a client secret belongs (see placeholderSecrets).
// The admin service refuses them too, wherever a secret is given.
func IsPlaceholderSecret(secret string) bool {
	squeezed := strings.Map(func(r rune) rune {
		switch r {
		case '-', '_', '.', ' ':
			return -1
		}
		return unicode.ToLower(r)
	}, strings.TrimSpace(secret))
	return slices.Contains(placeholderSecrets, squeezed)
}

// clientName names a client for a message, by its id when it has one.
func clientName(id string) string {
	if id == "" {
		return "the client"
	}
	return fmt.Sprintf("client %q", id)
}

var clientIDPattern = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

// IDTokenAlgs are the values id_token_signed_response_alg takes, as JOSE
// spells them; empty means the first. They are the algorithms the provider
// signs ID tokens with (a test in cmd/otpgate holds the two lists equal).
func IDTokenAlgs() []string { return []string{"RS256", "ES256", "EdDSA"} }

// BuiltInClientIDs are the ids of otpgate's own clients, the web console's
// and the account page's (provider/portal): no declared client may take
// one.
var BuiltInClientIDs = []string{"otpgate-console", "otpgate-account"}

// validateClients checks every declared client. Messages name clients by index
// and never include a secret.
func validateClients(clients []Client, p *problems) {
	seen := make(map[string]int, len(clients))
	for i, cl := range clients {
		key := fmt.Sprintf("clients[%d]", i)
		switch first, dup := seen[cl.ID]; {
		case cl.ID == "":
			p.add(key+".id", "required")
		case !clientIDPattern.MatchString(cl.ID):
			p.add(key+".id", "must be 1-64 characters from A-Z a-z 0-9 . _ -")
		case dup:
			p.add(key+".id", "duplicate of clients[%d] (%q)", first, cl.ID)
		case slices.Contains(BuiltInClientIDs, cl.ID):
			p.add(key+".id", "%q is otpgate's own client (the console or the account page); choose another id", cl.ID)
		default:
			seen[cl.ID] = i
		}

		if len(cl.RedirectURIs) == 0 {
			p.add(key+".redirect_uris", "at least one redirect URI is required")
		}
		checkURIs(p, key+".redirect_uris", cl.RedirectURIs)
		checkURIs(p, key+".post_logout_redirect_uris", cl.PostLogoutRedirectURIs)
		cl.validateSecret(p, key)
		if alg := cl.IDTokenSignedResponseAlg; alg != "" && !slices.Contains(IDTokenAlgs(), alg) {
			p.add(key+".id_token_signed_response_alg", "must be one of %s (got %q)", strings.Join(IDTokenAlgs(), ", "), alg)
		}
	}
}

func checkURIs(p *problems, key string, uris []string) {
	for j, uri := range uris {
		if msg := redirectURIProblem(uri); msg != "" {
			p.add(fmt.Sprintf("%s[%d]", key, j), "%s", msg)
		}
	}
}

func (cl Client) validateSecret(p *problems, key string) {
	secretKey := key + ".secret"
	if cl.SecretFile != "" {
		secretKey = key + ".secret_file"
	}
	hasSecret := cl.Secret != "" || cl.SecretFile != ""
	switch {
	case cl.Public && hasSecret:
		p.add(secretKey, "a public client must not have a secret (remove it, or set public: false)")
	case !cl.Public && !hasSecret:
		p.add(key+".secret", "required for a confidential client (set secret_file, or public: true for browser and native apps)")
	case !cl.Public && IsPlaceholderSecret(cl.Secret):
		keep := " and keep it in a file named by secret_file"
		if cl.SecretFile != "" {
			keep = ""
		}
		p.add(secretKey, "%s has a placeholder secret, not a real one: generate one with openssl rand -base64 32%s",
			clientName(cl.ID), keep)
	case !cl.Public && cl.Secret != "" && utf8.RuneCountInString(cl.Secret) < minClientSecretLength:
		p.add(secretKey, "must be at least %d characters", minClientSecretLength)
	}
}
