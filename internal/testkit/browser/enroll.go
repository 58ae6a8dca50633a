package browser

import (
	"encoding/base32"
	"fmt"
	"strings"

	"golang.org/x/net/html"
)

// SetupKey reads the setup key shown on the enroll page (id="setup-key",
// base32 in groups of four), as a person typing it into an app would.
func (p *Page) SetupKey() ([]byte, error) {
	key := strings.ReplaceAll(p.Text("setup-key"), " ", "")
	secret, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(key)
	if err != nil || len(secret) == 0 {
		return nil, fmt.Errorf("setup key %q on %s: %v", key, p.Describe(), err)
	}
	return secret, nil
}

// OTPAuth is the otpauth:// URI of the enroll page's QR image (its
// data-otpauth attribute), "" when absent.
func (p *Page) OTPAuth() string {
	return Attr(Find(p.Doc, func(n *html.Node) bool { return Attr(n, "data-otpauth") != "" }), "data-otpauth")
}

// RecoveryCodes lists the codes inside id="recovery-codes".
func (p *Page) RecoveryCodes() []string {
	return strings.Fields(p.Text("recovery-codes"))
}
