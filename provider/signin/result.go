package signin

import "github.com/otpgate/otpgate/templates"

// Outcome is how a step's submission ended.
type Outcome int

const (
	// Passed: the step passed and the journey moved on; Journey.Next says
	// where it stands now.
	Passed Outcome = iota
	// Moved: the journey changed in a way only a fresh look can tell (a new
	// account was identified, the account locked, another request won):
	// load it again.
	Moved
	// Invalid: the input is missing or malformed; nothing was counted.
	Invalid
	// Rejected: a wrong credential; counted toward the lockout.
	Rejected
	// Restarted: the enrollment secret the person scanned was replaced.
	Restarted
	// Forbidden: the action is turned off for this account or this server.
	Forbidden
	// Limited: a limit was reached (reset mails per hour; a temporary
	// password lock, RetryMinutes; the bound of failures from unknown
	// browsers, OfferLink); the person can try again later or otherwise.
	Limited
)

// Result is a step's answer to one submission.
type Result struct {
	Outcome Outcome
	// Problem is the message shown with Invalid, Rejected or Restarted.
	Problem templates.Message
	// TriesLeft is how many second-factor guesses remain before the lock,
	// when a wrong one was counted (0: not reported).
	TriesLeft int
	// RetryMinutes is the wait a temporary lock asks for (0: not
	// reported).
	RetryMinutes int
	// OfferLink: this browser may ask for an emailed sign-in link.
	OfferLink bool
}

func passed() Result                           { return Result{Outcome: Passed} }
func moved() Result                            { return Result{Outcome: Moved} }
func invalid(m templates.Message) Result       { return Result{Outcome: Invalid, Problem: m} }
func rejected(m templates.Message) Result      { return Result{Outcome: Rejected, Problem: m} }
func restartedWith(m templates.Message) Result { return Result{Outcome: Restarted, Problem: m} }
