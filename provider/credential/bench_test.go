package credential

import "testing"

// BenchmarkVerifyPassword is the cost of one sign-in's password check at the
// OWASP parameters.
func BenchmarkVerifyPassword(b *testing.B) {
	h := NewHasher(OWASP)
	encoded := h.Hash("correct horse battery staple")
	for b.Loop() {
		ok, err := h.Verify("correct horse battery staple", encoded)
		if err != nil || !ok {
			b.Fatal(ok, err)
		}
	}
}
