package signin

import (
	"context"
	"errors"

	"github.com/otpgate/otpgate/provider/credential"
	"github.com/otpgate/otpgate/provider/store"
	"github.com/otpgate/otpgate/templates"
)

// Question checks the security answer. A wrong answer gets the same
// generic result as a wrong password and counts toward the same lock.
func (s *Service) Question(ctx context.Context, j *Journey, answer string) (Result, error) {
	if answer == "" {
		return invalid(templates.MsgFieldRequired), nil
	}
	u := j.User
	att, err := s.reserveLogin(ctx, j, u, u.Username)
	if err != nil {
		return Result{}, err
	}
	good := false
	if len(answer) <= maxAnswerLen {
		var err error
		good, err = s.hasher.VerifyContext(hashPriority(ctx, att), credential.NormalizeAnswer(answer), u.AnswerHash)
		if errors.Is(err, credential.ErrBusy) {
			return Result{}, s.busy(ctx, att)
		}
		if err != nil {
			s.log.ErrorContext(ctx, "stored answer hash unreadable", "user_id", u.ID, "err", err)
		}
	}
	if !att.ok {
		return s.throttled(ctx, j, u, StepQuestion, att), nil
	}
	if !good {
		return rejected(templates.MsgSignInFailed), s.loginFailed(ctx, j, u, StepQuestion, att)
	}
	if err := s.loginPassed(ctx, u, att); err != nil {
		return Result{}, err
	}
	if err := s.markFlow(ctx, j, store.StepQuestion); err != nil {
		return Result{}, err
	}
	j.State.QuestionDone = true
	return passed(), nil
}
