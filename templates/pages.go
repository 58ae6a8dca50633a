package templates

// Base is embedded in every page struct and carries what every page needs.
type Base struct {
	Lang              string  // "en" or "ja"; anything else renders as "en"
	CSRF              string  // CSRF token, sent back by every POST form as the hidden field "csrf"
	AuthRequestID     string  // sign-in request, sent back by every flow form as the hidden field "authRequestID"
	Error             Message // when non-empty, shown translated in an element with role="alert"
	ClientName        string  // name of the application the user signs in to; may be empty
	MinPasswordLength int     // minimum new-password length, shown in hints and MsgPasswordTooShort
	SwitchLang        string  // path and query of this page in the other language; may be empty
}

// PasswordPage is the first sign-in step (data-step="password"): username
// and password.
type PasswordPage struct {
	Base
	Username string // prefilled after a failed attempt
}

// SetupPage is the first-sign-in step (data-step="setup"): a new password
// entered twice and, when QuestionEnabled, a security question and its
// answer entered twice.
type SetupPage struct {
	Base
	QuestionEnabled bool
	Question        string // key of the preselected question, from Questions
}

// QuestionPage asks the user's security question (data-step="question").
type QuestionPage struct {
	Base
	Question string // key from Questions
}

// ErrorPage explains, without technical details, why the request cannot
// continue (data-step="error").
type ErrorPage struct {
	Base
	Status  int     // HTTP status; the caller writes it, the page does not show it
	Message Message // the explanation; falls back to Base.Error, then MsgInternal
	BackURL string  // optional link back; may be empty
}

// LogoutPage asks for confirmation before RP-initiated logout
// (data-step="logout").
type LogoutPage struct {
	Base
	ClientName            string // application that asked for the logout; may be empty
	Action                string // form action; empty posts back to the current URL
	PostLogoutRedirectURI string // sent back as a hidden field when non-empty
	State                 string // sent back as a hidden field when non-empty
	ClientID              string // sent back as a hidden field when non-empty
}

// LoggedOutPage confirms that the user has signed out
// (data-step="logged-out").
type LoggedOutPage struct {
	Base
}

// DemoPage is the built-in demo relying party (data-step="demo").
type DemoPage struct {
	Base
	SignedIn bool
	Claims   string // pretty JSON of the verified ID token claims
	Issuer   string
	Error    string // plain text from the demo relying party, already safe to show
}
