package protocol

// ValidPKCEValue reports whether s has the syntax RFC 7636 gives both the
// code_verifier (§4.1) and, for S256, the code_challenge (§4.2): 43 to 128
// characters of the unreserved set [A-Za-z0-9-._~]. Anything else is
// invalid_request, whether or not it would have matched.
func ValidPKCEValue(s string) bool {
	if len(s) < 43 || len(s) > 128 {
		return false
	}
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case 'A' <= c && c <= 'Z', 'a' <= c && c <= 'z', '0' <= c && c <= '9',
			c == '-', c == '.', c == '_', c == '~':
		default:
			return false
		}
	}
	return true
}
