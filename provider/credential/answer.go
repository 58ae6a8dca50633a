package credential

import (
	"strings"

	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"
)

// NormalizeAnswer puts a security-question answer into the one form that is
// hashed and compared: Unicode NFKC (so full-width Japanese or Latin input
// equals its half-width form), case-folded, with runs of white space
// (including the ideographic space) collapsed to one ASCII space and the
// ends trimmed.
func NormalizeAnswer(answer string) string {
	s := norm.NFKC.String(answer)
	s = cases.Fold().String(s)
	// NFKC may change again after folding (for example some ligatures).
	s = norm.NFKC.String(s)
	return strings.Join(strings.Fields(s), " ")
}
