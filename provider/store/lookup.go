package store

import "unicode/utf8"

// maxKeyLen bounds every identifier used in a lookup.
const maxKeyLen = 320

// lookupable reports whether s can be a stored key. PostgreSQL rejects
// invalid UTF-8 and NUL bytes with an error, SQLite would just not match:
// treating such input as "not found" keeps both backends identical and
// keeps bad input from looking like a database fault.
func lookupable(s string) bool {
	if len(s) > maxKeyLen || !utf8.ValidString(s) {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] == 0 {
			return false
		}
	}
	return true
}
