package store

import (
	"strings"
	"unicode/utf8"
)

// maxKeyLen bounds every identifier used in a lookup.
const maxKeyLen = 320

// lookupable reports whether every one of keys can be a stored key.
// PostgreSQL rejects invalid UTF-8 and NUL bytes with an error, SQLite
// would just not match: treating such input as "not found" keeps both
// backends identical and keeps bad input from looking like a database
// fault.
func lookupable(keys ...string) bool {
	for _, s := range keys {
		if len(s) > maxKeyLen || !utf8.ValidString(s) || strings.IndexByte(s, 0) >= 0 {
			return false
		}
	}
	return true
}
