package signin_test

import (
	"strings"
	"testing"

	"github.com/otpgate/otpgate/provider/credential"
	"github.com/otpgate/otpgate/provider/signin"
	"github.com/otpgate/otpgate/provider/store"
	"github.com/otpgate/otpgate/templates"
)

// TestSetupRefusesBadInput: every problem with a first sign-in's new
// password, question or answer is Invalid with its field's message, and
// nothing is saved: the old password still works and the flow has not
// passed the step.
func TestSetupRefusesBadInput(t *testing.T) {
	t.Parallel()
	const pw = "a-new-long-password"
	const ninaOld = "wharf-staple-orbit-9"
	good := signin.SetupInput{NewPassword: pw, NewPasswordConfirm: pw, Question: "birth_city",
		Answer: "Sapporo", AnswerConfirm: "Sapporo"}
	with := func(f func(*signin.SetupInput)) signin.SetupInput { in := good; f(&in); return in }
	tests := []struct {
		name string
		in   signin.SetupInput
		want templates.Message
	}{
		{"passwords must match", with(func(in *signin.SetupInput) { in.NewPasswordConfirm = pw + "x" }), templates.MsgPasswordMismatch},
		{"password not shorter than the minimum", with(func(in *signin.SetupInput) {
			in.NewPassword, in.NewPasswordConfirm = "short-pw", "short-pw"
		}), templates.MsgPasswordTooShort},
		{"password not longer than the maximum", with(func(in *signin.SetupInput) {
			in.NewPassword = strings.Repeat("p", 1025)
			in.NewPasswordConfirm = in.NewPassword
		}), templates.MsgPasswordTooLong},
		{"the current password is not reused", with(func(in *signin.SetupInput) {
			in.NewPassword, in.NewPasswordConfirm = ninaOld, ninaOld
		}), templates.MsgPasswordReused},
		{"the current password typed full-width is not reused", with(func(in *signin.SetupInput) {
			in.NewPassword, in.NewPasswordConfirm = "ｗｈａｒｆ－ｓｔａｐｌｅ－ｏｒｂｉｔ－９", ninaOld
		}), templates.MsgPasswordReused},
		{"no common or patterned password", with(func(in *signin.SetupInput) {
			in.NewPassword, in.NewPasswordConfirm = "password1234", "password1234"
		}), templates.MsgPasswordCommon},
		{"no username in the password", with(func(in *signin.SetupInput) {
			in.NewPassword, in.NewPasswordConfirm = "Nina-likes-green-tea", "Nina-likes-green-tea"
		}), templates.MsgPasswordContext},
		{"no email local part in the password", with(func(in *signin.SetupInput) {
			in.NewPassword, in.NewPasswordConfirm = "tea-for-ninab-and-me", "tea-for-ninab-and-me"
		}), templates.MsgPasswordContext},
		{"missing password", with(func(in *signin.SetupInput) { in.NewPassword = "" }), templates.MsgFieldRequired},
		{"only known questions", with(func(in *signin.SetupInput) { in.Question = "mothers_maiden_name" }), templates.MsgQuestionRequired},
		{"answers must match", with(func(in *signin.SetupInput) { in.AnswerConfirm = "Osaka" }), templates.MsgAnswerMismatch},
		{"answer not too short", with(func(in *signin.SetupInput) { in.Answer, in.AnswerConfirm = "ab", "AB" }), templates.MsgAnswerTooShort},
		{"missing answer", with(func(in *signin.SetupInput) { in.Answer, in.AnswerConfirm = "  ", "" }), templates.MsgFieldRequired},
	}
	backends(t, func(t *testing.T, e *env) {
		nina := e.user("nina", func(u *store.User) {
			u.MustChangePassword, u.Email = true, "ninab@example.com"
			u.PasswordHash = e.hasher.Hash(ninaOld)
		})
		e.secret(pw, "Sapporo", ninaOld)
		j := e.flow()
		r, err := e.svc.Password(ctxOf(t), j, "nina", ninaOld)
		wantResult(t, r, err, signin.Result{Outcome: signin.Moved}, "password")
		j = e.reload(j)
		wantStep(t, j, signin.StepSetup, "first sign-in")
		before := e.userRow(nina)
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				e := e.in(t)
				r, err := e.svc.Setup(ctxOf(t), e.reload(j), tc.in)
				wantResult(t, r, err, signin.Result{Outcome: signin.Invalid, Problem: tc.want}, tc.name)
				after := e.userRow(nina)
				if after.PasswordHash != before.PasswordHash || after.AnswerHash != before.AnswerHash ||
					after.Question != before.Question || !after.MustChangePassword {
					t.Fatalf("a refused setup saved something")
				}
				if e.flowRow(j).SetupAt != nil {
					t.Fatalf("a refused setup passed the step")
				}
			})
		}
		t.Run("good input saves password, question and answer", func(t *testing.T) {
			e := e.in(t)
			r, err := e.svc.Setup(ctxOf(t), e.reload(j), good)
			wantResult(t, r, err, signin.Result{Outcome: signin.Passed}, "setup")
			after := e.userRow(nina)
			if after.MustChangePassword || after.Question != "birth_city" {
				t.Fatalf("after setup: must change %v, question %q", after.MustChangePassword, after.Question)
			}
			if ok, _ := e.hasher.Verify(pw, after.PasswordHash); !ok {
				t.Fatalf("the new password does not match the stored hash")
			}
			if ok, _ := e.hasher.Verify(credential.NormalizeAnswer("sapporo"), after.AnswerHash); !ok {
				t.Fatalf("the new answer does not match the stored hash")
			}
			wantStep(t, e.reload(j), signin.StepQuestion, "after setup")
		})
	})
}
