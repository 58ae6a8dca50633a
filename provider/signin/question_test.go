package signin_test

import (
	"strings"
	"testing"

	"github.com/otpgate/otpgate/provider/credential"
	"github.com/otpgate/otpgate/provider/signin"
	"github.com/otpgate/otpgate/provider/store"
	"github.com/otpgate/otpgate/templates"
)

// TestQuestion: a wrong answer gets the password step's generic result and
// counts toward the same lock; answers are compared after NFKC, case
// folding and collapsing spaces, so full-width and half-width input match.
func TestQuestion(t *testing.T) {
	t.Parallel()
	const kana = "トウキョウ タワー"
	tests := []struct {
		name, user, answer string
		want               signin.Result
		failures           int
	}{
		{"wrong answer is generic and counted", "alice", "Grey Whale",
			signin.Result{Outcome: signin.Rejected, Problem: templates.MsgSignInFailed}, 1},
		{"missing answer is not counted", "alice", "",
			signin.Result{Outcome: signin.Invalid, Problem: templates.MsgFieldRequired}, 0},
		{"over-long answer is refused and counted", "alice", strings.Repeat("a", 257),
			signin.Result{Outcome: signin.Rejected, Problem: templates.MsgSignInFailed}, 1},
		{"case and spaces do not matter", "alice", "  blue   WHALE ", signin.Result{Outcome: signin.Passed}, 0},
		{"full-width latin matches (NFKC)", "alice", "ＢＬＵＥ\u3000ＷＨＡＬＥ", signin.Result{Outcome: signin.Passed}, 0},
		{"half-width katakana matches full-width (NFKC)", "kenji", "ﾄｳｷｮｳ ﾀﾜｰ", signin.Result{Outcome: signin.Passed}, 0},
	}
	backends(t, func(t *testing.T, e *env) {
		users := map[string]*store.User{"alice": e.user("alice"), "kenji": e.user("kenji", func(u *store.User) {
			u.AnswerHash = e.hasher.Hash(credential.NormalizeAnswer(kana))
		})}
		e.secret(kana)
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				e := e.in(t)
				u := users[tc.user]
				must(t, e.store.RecordLoginSuccess(ctxOf(t), u.ID), "reset count")
				j := e.flow()
				r, err := e.svc.Password(ctxOf(t), j, u.Username, passwordOf(u.Username))
				wantResult(t, r, err, signin.Result{Outcome: signin.Moved}, "password")
				j = e.reload(j)
				r, err = e.svc.Question(ctxOf(t), j, tc.answer)
				wantResult(t, r, err, tc.want, tc.name)
				if got := e.userRow(u).LoginFailures; got != tc.failures {
					t.Errorf("login failures = %d, want %d", got, tc.failures)
				}
				passed := e.flowRow(j).QuestionAt != nil
				if passed != (tc.want.Outcome == signin.Passed) {
					t.Errorf("flow records the question passed = %v, want %v", passed, !passed)
				}
			})
		}
	})
}
