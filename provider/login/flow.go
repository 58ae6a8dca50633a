package login

// Step names a page of the sign-in journey; the values are the pages'
// data-step attributes.
type Step string

// The steps of the journey.
const (
	StepPassword Step = "password"
	StepSetup    Step = "setup"
	StepQuestion Step = "question"
	StepDone     Step = "done"
)

// State is what the dispatcher knows about a flow and its user.
type State struct {
	// PasswordDone: the password step passed in this flow.
	PasswordDone bool
	// MustSetup: the account must set a new password (and question) first.
	MustSetup bool
	// QuestionEnabled: the security-question step is on in the configuration.
	QuestionEnabled bool
	// QuestionDone: the security question was answered in this flow.
	QuestionDone bool
}

// Next is the single place the order of the journey lives: password, then
// (first sign-in) setup, then the security question, then done.
func Next(s State) Step {
	switch {
	case !s.PasswordDone:
		return StepPassword
	case s.MustSetup:
		return StepSetup
	case s.QuestionEnabled && !s.QuestionDone:
		return StepQuestion
	default:
		return StepDone
	}
}
