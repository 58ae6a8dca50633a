package admin

import (
	"github.com/otpgate/otpgate/provider/credential"
	"github.com/otpgate/otpgate/provider/protocol"
	"github.com/otpgate/otpgate/provider/store"
)

// sealedSecret is what cl keeps of its new secret besides the hash: the
// secret sealed to cl's id when cl is a factor-only confidential client,
// which may sign its request objects HS256 with it (otpgate must read the
// secret to verify them); nil for every other client, whose secret stays
// a hash only. A secret weak enough to guess is never kept: a request
// object travels through the browser, and its MAC would let whoever sees
// it test guesses of the secret offline (every generated secret is
// strong).
func (s *Service) sealedSecret(cl *store.Client, secret string) []byte {
	if cl.Mode != store.ModeSecondFactor || cl.Public || !credential.StrongClientSecret(secret) {
		return nil
	}
	return s.sealer.Seal([]byte(secret), protocol.ClientSecretAD(cl.ID))
}

// HS256RequestObjects says whether cl's request objects may be signed
// HS256 with its secret, and why not, for display.
func HS256RequestObjects(cl *store.Client) string {
	switch {
	case cl.Mode != store.ModeSecondFactor:
		return "no (not a factor-only client)"
	case cl.Public || cl.SecretHash == "":
		return "no (no client secret)"
	case cl.SecretSealed == nil:
		return "no (the secret predates HS256 support or is too weak: rotate it to enable)"
	}
	return "yes (signed with the client secret)"
}
