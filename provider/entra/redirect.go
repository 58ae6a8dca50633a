package entra

import "slices"

// redirectURIs are Microsoft's external authentication reply URLs, one per
// cloud (global, US government, China), byte for byte as Microsoft's
// reference lists them.
var redirectURIs = [...]string{
	"https://login.microsoftonline.com/common/federation/externalauthprovider",
	"https://login.microsoftonline.us/common/federation/externalauthprovider",
	"https://login.partner.microsoftonline.cn/common/federation/externalauthprovider",
}

// RedirectURIs returns Microsoft's external authentication reply URLs, the
// only redirect URIs an Entra EAM client may use (a fresh slice each call).
func RedirectURIs() []string {
	return slices.Clone(redirectURIs[:])
}

// CheckRedirectURI returns nil when u is exactly one of RedirectURIs and
// ErrRedirectURI otherwise. The comparison is byte for byte: no trailing
// slash, no change of case, no other scheme, port, query or fragment; the
// answer carries a verified id_token, so it goes nowhere else.
func CheckRedirectURI(u string) error {
	if slices.Contains(redirectURIs[:], u) {
		return nil
	}
	return ErrRedirectURI
}
