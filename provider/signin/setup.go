package signin

import (
	"context"
	"unicode/utf8"

	"github.com/otpgate/otpgate/provider/credential"
	"github.com/otpgate/otpgate/provider/store"
	"github.com/otpgate/otpgate/templates"
)

// Answer bounds, after normalisation.
const (
	minAnswerLen = 3
	maxAnswerLen = 256
)

// SetupInput is a first sign-in's (or a reset account's) new password,
// entered twice, and, when the question step is on, a question and its
// answer, entered twice.
type SetupInput struct {
	NewPassword, NewPasswordConfirm string
	Question, Answer, AnswerConfirm string
}

// Setup sets the new password (and question). Problems are Invalid with
// the field's message; nothing is saved then.
func (s *Service) Setup(ctx context.Context, j *Journey, in SetupInput) (Result, error) {
	questionOnly := QuestionOnlySetup(j)
	if m := s.checkNewPassword(in, j.User); m != "" && !questionOnly {
		return invalid(m), nil
	}
	var setup store.UserSetup
	if s.cfg.QuestionEnabled {
		answer, m := newAnswer(in.Question, in.Answer, in.AnswerConfirm)
		if m != "" {
			return invalid(m), nil
		}
		if j.State.ProofDone && j.User.AnswerHash != "" {
			// After an administrator's reset the old answer may be known
			// to whoever made it necessary.
			if same, _ := s.hasher.Verify(answer, j.User.AnswerHash); same {
				return invalid(templates.MsgAnswerReused), nil
			}
		}
		setup.Question, setup.AnswerHash = in.Question, s.hasher.Hash(answer)
	}
	if !questionOnly {
		if same, _, _ := s.hasher.VerifyPassword(credential.Prioritize(ctx), in.NewPassword, j.User.PasswordHash); same {
			return invalid(templates.MsgPasswordReused), nil
		}
		setup.PasswordHash = s.hasher.Hash(credential.NormalizePassword(in.NewPassword))
	}
	if err := s.store.FinishSetup(ctx, j.User.ID, setup); err != nil {
		return Result{}, fault(err)
	}
	if err := s.markFlow(ctx, j, store.StepSetup); err != nil {
		return Result{}, err
	}
	s.log.InfoContext(ctx, "first sign-in setup done", "user_id", j.User.ID)
	j.State.MustSetup = false
	return passed(), nil
}

// newAnswer is the normalised new answer to question, entered twice, or
// the problem with them (the setup's rules, and the account page's).
func newAnswer(question, answer, confirm string) (string, templates.Message) {
	answer, confirm = credential.NormalizeAnswer(answer), credential.NormalizeAnswer(confirm)
	switch {
	case !templates.QuestionKnown(question):
		return "", templates.MsgQuestionRequired
	case answer == "" || confirm == "":
		return "", templates.MsgFieldRequired
	case answer != confirm:
		return "", templates.MsgAnswerMismatch
	case utf8.RuneCountInString(answer) < minAnswerLen || len(answer) > maxAnswerLen:
		return "", templates.MsgAnswerTooShort
	}
	return answer, ""
}

// QuestionOnlySetup reports whether j's setup chooses the security
// question alone: a directory owns the password of j's sign-in.
func QuestionOnlySetup(j *Journey) bool { return j.Flow.Connector != "" }

// passwordMessages are the pages' words for the credential policy's
// refusals.
var passwordMessages = map[credential.PasswordProblem]templates.Message{
	credential.PasswordRequired: templates.MsgFieldRequired,
	credential.PasswordTooShort: templates.MsgPasswordTooShort,
	credential.PasswordTooLong:  templates.MsgPasswordTooLong,
	credential.PasswordCommon:   templates.MsgPasswordCommon,
	credential.PasswordContext:  templates.MsgPasswordContext,
}

// checkNewPassword returns the problem with u's new password, or "".
func (s *Service) checkNewPassword(in SetupInput, u *store.User) templates.Message {
	pw, pw2 := in.NewPassword, in.NewPasswordConfirm
	switch {
	case pw == "" || pw2 == "":
		return templates.MsgFieldRequired
	case credential.NormalizePassword(pw) != credential.NormalizePassword(pw2):
		return templates.MsgPasswordMismatch
	}
	if p := credential.CheckNewPassword(pw, s.cfg.MinPasswordLength, u.Username, u.Email); p != "" {
		return passwordMessages[p]
	}
	return ""
}
