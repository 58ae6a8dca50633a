package protocol

import (
	"crypto"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"time"
)

// Every signing key has a self-signed X.509 certificate holding its public
// key, published in the key set as x5c and x5t: Entra ID's external
// authentication methods accept no key without one. Nothing trusts the
// certificate as a certificate; it is only the container Entra reads the
// key from, so it is self-signed, long-lived and never renewed.

// certificateValidity is how long a key's certificate is valid: far longer
// than any key is kept.
const certificateValidity = 20 * 365 * 24 * time.Hour

// certificateBackdate starts a certificate's validity a little before its
// key was made, for verifiers whose clocks are behind.
const certificateBackdate = 5 * time.Minute

// errCertificateMismatch reports a stored certificate that does not hold
// the key it is stored with.
var errCertificateMismatch = errors.New("the certificate does not hold the signing key")

// certificateSubject is the subject common name of key id's certificate.
func certificateSubject(id string) string { return "otpgate signing key " + id }

// newCertificate makes the PEM-encoded self-signed certificate of signing
// key id, valid from its creation.
func newCertificate(id string, priv crypto.Signer, createdAt time.Time) (string, error) {
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 128))
	if err != nil {
		return "", fmt.Errorf("certificate of signing key %s: %w", id, err)
	}
	name := pkix.Name{CommonName: certificateSubject(id)}
	notBefore := createdAt.Add(-certificateBackdate).UTC().Truncate(time.Second)
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               name,
		Issuer:                name,
		NotBefore:             notBefore,
		NotAfter:              notBefore.Add(certificateValidity),
		KeyUsage:              x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, priv.Public(), priv)
	if err != nil {
		return "", fmt.Errorf("certificate of signing key %s: %w", id, err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})), nil
}

// parseCertificate decodes a stored certificate and checks that it holds
// the public key pub.
func parseCertificate(stored string, pub crypto.PublicKey) (*x509.Certificate, error) {
	block, _ := pem.Decode([]byte(stored))
	if block == nil || block.Type != "CERTIFICATE" {
		return nil, errors.New("the certificate is not PEM")
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("certificate: %w", err)
	}
	if k, ok := pub.(interface{ Equal(crypto.PublicKey) bool }); !ok || !k.Equal(cert.PublicKey) {
		return nil, errCertificateMismatch
	}
	return cert, nil
}
