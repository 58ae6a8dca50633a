package templates

import (
	"html/template"
	"net/url"
	"strings"
)

// Base is embedded in every page struct and carries what every page needs.
type Base struct {
	Lang              string  // "en" or "ja"; anything else renders as "en"
	CSRF              string  // CSRF token, sent back by every POST form as the hidden field "csrf"
	AuthRequestID     string  // sign-in request, sent back by every flow form as the hidden field "authRequestID"
	Error             Message // when non-empty, shown translated in an element with role="alert"
	ClientName        string  // name of the application the user signs in to; may be empty
	MinPasswordLength int     // minimum new-password length, shown in hints and MsgPasswordTooShort
	SwitchLang        string  // path and query of this page in the other language; may be empty
	// TriesLeft is how many second-factor attempts remain before the
	// account locks; when positive, MsgCodeInvalid, MsgRecoveryCodeInvalid
	// and MsgProofInvalid say so (a counted retry).
	TriesLeft int
	// RetryMinutes is the wait MsgTooManyAttempts states.
	RetryMinutes int
}

// AlertArg is the number the page's alert message shows: the minimum
// password length for MsgPasswordTooShort, the tries left for every other
// message that counts them (0, and so the plain text, when the attempt was
// not counted: a message never borrows another number).
func (b Base) AlertArg() int {
	if b.Error == MsgPasswordTooShort {
		return b.MinPasswordLength
	}
	if b.Error == MsgTooManyAttempts {
		return b.RetryMinutes
	}
	return b.TriesLeft
}

// PasswordPage is the first sign-in step (data-step="password"): username
// and password.
type PasswordPage struct {
	Base
	Username string // prefilled after a failed attempt
	// OfferLink shows a button that mails a sign-in link for Username
	// (the bound of failures from unknown browsers was reached); LinkSent
	// says one was sent if the account can receive it; LinkAccepted says
	// an emailed link was opened in this sign-in.
	OfferLink, LinkSent, LinkAccepted bool
	// DirectoryName names the directory (LDAP, Active Directory) whose
	// password the page checks; "" when otpgate's own. Sources, when
	// there are several, are the choice (a radio group "source") between
	// the directory and otpgate's own passwords.
	DirectoryName string
	Sources       []PasswordSource
	// Upstreams are the upstream OpenID providers offered beside the
	// password: each a form posting to /login/connector/<ID> with a button
	// naming it.
	Upstreams []UpstreamButton
}

// UpstreamButton is an upstream provider on the password page: its
// connector id and the name people know it by.
type UpstreamButton struct{ ID, Name string }

// PasswordSource is one choice of the password page's source: Value is
// posted as "source"; Label names a directory ("" for otpgate's own
// accounts, which the page words itself).
type PasswordSource struct {
	Value, Label string
	Checked      bool
}

// UsernamePage asks a factor-only sign-in that named nobody for the
// username (data-step="username"); its form posts "username" to
// /login/username, and the passcode page follows for every name.
type UsernamePage struct {
	Base
	Username string // suggested by the request's login_hint
}

// SetupPage is the first-sign-in step (data-step="setup"): a new password
// entered twice and, when QuestionEnabled, a security question and its
// answer entered twice.
type SetupPage struct {
	Base
	QuestionEnabled bool
	Question        string // key of the preselected question, from Questions
	// Answer and AnswerConfirm refill the answer fields when only the
	// passwords were refused; the password fields are never refilled.
	Answer, AnswerConfirm string
	// QuestionOnly leaves the password out: a directory owns it, and the
	// person chooses the security question alone.
	QuestionOnly bool
}

// QuestionPage asks the user's security question (data-step="question").
type QuestionPage struct {
	Base
	Question string // key from Questions
	// OfferLink and LinkSent are as on PasswordPage: the bound of failures
	// from unknown browsers was reached at this step.
	OfferLink, LinkSent bool
}

// EnrollPage sets up an authenticator app (data-step="enroll"), in three
// numbered sections: install an app (the "app" select), scan the QR code or
// type the setup key, enter the verification code ("code"). Its form posts
// to /login/enroll.
type EnrollPage struct {
	Base
	SelectedApp string // ID from Apps preselected in the "app" select; may be empty
	SetupKey    string // base32 key already grouped in fours, e.g. "JBSW Y3DP EHPK 3PXP"; shown in id="setup-key"
	OTPAuthURI  string // the otpauth:// URI; only ever shown as text, in the QR image's data-otpauth attribute
	// QRCode is the server-rendered QR image of OTPAuthURI as a data URL
	// ("data:image/png;base64,…"). Anything not starting with "data:image/"
	// is dropped, and without it no image is shown (the key still is).
	QRCode  template.URL
	Issuer  string // service name the app will display, shown under the key
	Account string // account name the app will display, shown under the key
}

// OpenAppURL is the otpauth:// link that hands the key to an
// authenticator app on the same phone ("Open in authenticator app"), or ""
// when OTPAuthURI is not a TOTP key URI.
func (p EnrollPage) OpenAppURL() template.URL {
	if !strings.HasPrefix(p.OTPAuthURI, "otpauth://totp/") {
		return ""
	}
	return template.URL(p.OTPAuthURI)
}

// KeyText is the setup key as the copy button copies it: without the
// spaces that group it for reading.
func (p EnrollPage) KeyText() string { return strings.Join(strings.Fields(p.SetupKey), "") }

// RecoveryCodesPage shows the recovery codes once, right after enrollment
// (data-step="recovery-codes"), listed in id="recovery-codes". Its form,
// the journey's final submit, posts to /login/recovery-codes.
type RecoveryCodesPage struct {
	Base
	Codes []string
}

// CodesText is the codes one per line, as copied and downloaded.
func (p RecoveryCodesPage) CodesText() string { return strings.Join(p.Codes, "\n") + "\n" }

// CodesFile is a data: URL of CodesText, the "Download" link's target: the
// codes never leave the page for the server to keep.
func (p RecoveryCodesPage) CodesFile() template.URL {
	return template.URL("data:text/plain;charset=utf-8," + url.PathEscape(p.CodesText()))
}

// OTPPage asks for the one-time passcode at each sign-in (data-step="otp").
// Its form posts "code" to /login/otp; below it, the section "Reset your
// OTP device" holds the link <a id="lost-device"> ("Reset Device", styled
// as a button) to ResetURL, as the customer's document names them. A
// sign-in without a reset (empty ResetURL) says to ask an administrator.
type OTPPage struct {
	Base
	ResetURL string // the lost-device reset step; the link is left out when empty
	// RememberDays, when above 0, offers the checkbox "remember_browser":
	// don't ask for a passcode on this browser for that many days.
	RememberDays int
}

// ResetPage is the lost-device page reached from the passcode page
// (data-step="reset"). It offers the proofs that are allowed: a recovery
// code (form posting "recovery_code" to /login/reset) and an emailed
// single-use link (form posting to /login/reset/email). When neither is
// allowed and no email was sent, it tells the user to contact their
// administrator.
type ResetPage struct {
	Base
	RecoveryAllowed bool   // show the recovery-code form
	EmailAllowed    bool   // show the "email me a reset link" form
	EmailSent       bool   // show that the link was sent (role="status", not an alert)
	BackURL         string // link back to the passcode step; left out when empty
}

// LinkCodePage is shown where an emailed reset link is opened in another
// browser than the sign-in's (data-step="link-code"): the code to type
// in the sign-in's browser, in id="link-code", and for how long it works.
// It has no form.
type LinkCodePage struct {
	Base
	Code    string // e.g. "482 913"
	Minutes int
}

// EnrollProofPage asks for a proof before enrollment (data-step=
// "enroll-proof"): the enrollment code an administrator gave, posted as
// "proof" to /login/enroll-proof, after a reset or before a first
// enrollment; for a first enrollment it may also offer to mail a link
// (a form posting to /login/enroll-proof/email).
type EnrollProofPage struct {
	Base
	FirstEnrollment bool // a first enrollment, not the return after a reset
	EmailAllowed    bool // show the "email me a link" form
	EmailSent       bool // show that the link was sent (role="status", not an alert)
}

// LockedPage tells the user that too many failed passcodes locked the
// account (data-step="locked"). It always shows MsgAccountLocked in its
// role="alert" element, whatever Base.Error holds, and has no form.
type LockedPage struct {
	Base
	AppURL string // "Back to the application" (Base.ClientName names it); left out when empty
}

// ErrorPage explains, without technical details, why the request cannot
// continue (data-step="error").
type ErrorPage struct {
	Base
	Status  int     // HTTP status; the caller writes it, the page does not show it
	Message Message // the explanation; falls back to Base.Error, then MsgInternal
	// The ways forward, each shown when set: AppURL "Back to the
	// application" (Base.ClientName names it), RestartURL "Start again",
	// RetryURL "Try again".
	AppURL, RestartURL, RetryURL string
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
	// UnregisteredURI is the return address a refused logout request
	// asked for, not registered for UnregisteredClient (the application's
	// name): the page says so, and signing out stays here.
	UnregisteredURI, UnregisteredClient string
}

// LoggedOutPage confirms that the user has signed out
// (data-step="logged-out").
type LoggedOutPage struct {
	Base
	StillSignedIn bool // the person chose Cancel on the logout page: nothing was ended
}

// FormPostPage answers a relying party that asked for response_mode
// form_post (Entra ID's external authentication method): a form of hidden
// fields posted to Action, submitted by the page's script at once, or by
// the person's button without script (data-step="form-post").
type FormPostPage struct {
	Base
	Action string      // the verified redirect URI
	Fields []FormField // the response's parameters, in order
}

// FormField is one hidden field of a FormPostPage.
type FormField struct{ Name, Value string }

// DemoPage is the built-in demo relying party (data-step="demo").
type DemoPage struct {
	Base
	SignedIn bool
	Claims   string // pretty JSON of the verified ID token claims
	Issuer   string
	Error    string // plain text from the demo relying party, already safe to show
	Problem  string // catalogue key of why the last sign-in did not complete (demo.problem.*)
}
