package signin_test

import (
	"testing"

	"github.com/otpgate/otpgate/provider/signin"
)

// TestPasscodeStatements holds the passcode step, the hot path of every
// sign-in, to its round trips: an accepted code sends exactly four
// statements (reserve the attempt, advance the device's step, clear the
// count, and mark the flow, or finish it when the passcode was the last
// step), a wrong one only its reservation, a malformed one none. A new statement on this path must fail here first.
func TestPasscodeStatements(t *testing.T) {
	t.Parallel()
	backends(t, func(t *testing.T, e *env) {
		alice := e.user("alice")
		secret, _ := e.device(alice)
		j := e.signIn(alice)
		wrong := "000000"
		for off := int64(-1); off <= 1; off++ {
			if e.code(secret, off) == wrong {
				wrong = "999999"
			}
		}
		tests := []struct {
			name  string
			input string
			want  signin.Outcome
			stmts int64
		}{
			{"malformed code: no statement", "12345", signin.Invalid, 0},
			{"wrong code: the reservation only", wrong, signin.Rejected, 1},
			{"accepted code: reserve, advance, clear, finish", e.code(secret, 0), signin.Passed, 4},
		}
		for _, tc := range tests {
			before := e.store.Statements()
			r, err := e.svc.Passcode(ctxOf(t), j, tc.input)
			sent := e.store.Statements() - before
			if err != nil || r.Outcome != tc.want {
				t.Fatalf("%s: got %s, %v", tc.name, show(r), err)
			}
			if sent != tc.stmts {
				t.Errorf("%s: sent %d SQL statements, want %d", tc.name, sent, tc.stmts)
			}
		}
	})
}
