package entra

import "strings"

// canonicalGUID returns s in the lower-case 8-4-4-4-12 form when s is a
// GUID in that form (either case), and false otherwise. Tenant and object
// ids are compared in this form: Entra writes them in lower case, an
// administrator may paste them in upper case.
func canonicalGUID(s string) (string, bool) {
	if len(s) != 36 {
		return "", false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return "", false
			}
		default:
			if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
				return "", false
			}
		}
	}
	return strings.ToLower(s), true
}
