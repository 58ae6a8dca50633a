package templates

import (
	"html/template"
	"strings"
)

// The account page's own pages (besides AccountPage). Times are given
// already formatted; nothing secret is ever in a URL.

// AccountDevice is the person's authenticator app on AccountPage.
type AccountDevice struct {
	App                string
	Enrolled, LastUsed Stamp // LastUsed is zero when never used
}

// AccountSignIn is one recent sign-in on AccountPage.
type AccountSignIn struct {
	At              Stamp
	Client, Address string
	// Result is "success", "failure" or "locked".
	Result string
}

// AccountDevicePage asks for the proof of a device replacement
// (data-step="account-device"): "code" (a passcode) or "recovery_code",
// posted to /account/device.
type AccountDevicePage struct {
	Base
	Nav       PortalNav
	HasDevice bool
}

// AccountDeviceKeyPage shows the new device's key and asks for its first
// code (data-step="account-device-key"): "offer" (hidden), "app" and
// "code", posted to /account/device/verify.
type AccountDeviceKeyPage struct {
	Base
	Nav         PortalNav
	Offer       string
	SelectedApp string
	SetupKey    string
	OTPAuthURI  string
	// QRCode is a data:image/ URL (anything else is dropped).
	QRCode  template.URL
	Issuer  string
	Account string
}

// AccountCodesPage asks for a passcode to make new recovery codes
// (data-step="account-codes"): "code", posted to /account/codes.
type AccountCodesPage struct {
	Base
	Nav       PortalNav
	HasDevice bool
	CodesLeft int
}

// AccountNewCodesPage shows new recovery codes once
// (data-step="account-codes-new"), inside id="recovery-codes".
type AccountNewCodesPage struct {
	Base
	Nav   PortalNav
	Codes []string
}

// CodesText is the codes one per line.
func (p AccountNewCodesPage) CodesText() string { return strings.Join(p.Codes, "\n") + "\n" }

// AccountPasswordPage changes the password (data-step="account-password"):
// "current_password", "code" (when NeedPasscode), "new_password",
// "new_password_confirm", posted to /account/password.
//
// NeedPasscode: the account has a device, whose passcode proves the
// change; without one the page only says to ask an administrator (the
// password and answer alone are one factor, and must not replace
// themselves).
//
// Elsewhere: the account signs in with a connector's password (Source
// names the connector, "" when it is unknown), which is changed there:
// the page says so and has no form.
type AccountPasswordPage struct {
	Base
	Nav          PortalNav
	NeedPasscode bool
	Elsewhere    bool
	Source       string
	// Directory is always "" here (see AccountQuestionPage).
	Directory string
}

// AccountQuestionPage changes the security question
// (data-step="account-question"): "current_password", "code" (when
// NeedPasscode), "question", "answer", "answer_confirm", posted to
// /account/question.
//
// Directory names the directory whose password is the current password
// ("" for otpgate's own). Unused: the account's sign-in asks no question
// (an upstream provider signs it in): the page says so and has no form.
type AccountQuestionPage struct {
	Base
	Nav          PortalNav
	NeedPasscode bool
	Question     string // the current question's key
	Directory    string
	Unused       bool
}

// AccountSession is one session on AccountSessionsPage.
type AccountSession struct {
	ID               string
	Created, Expires Stamp
	// Methods are text keys ("account.method.otp") or an upstream
	// provider's own method codes, shown as they are.
	Methods []string
	Current bool
}

// AccountSessionsPage lists the person's sessions
// (data-step="account-sessions"): each ends with a form posting
// "session" to /account/sessions/end; the others end with a post to
// /account/sessions/end-others.
//
// Browsers are the remembered browsers ("don't ask for a passcode on this
// browser"), each forgotten by a form posting "browser" to
// /account/browsers/forget; all of them with /account/browsers/forget-all.
type AccountSessionsPage struct {
	Base
	Nav      PortalNav
	Sessions []AccountSession
	Browsers []AccountBrowser
}

// AccountBrowser is one remembered browser on AccountSessionsPage.
type AccountBrowser struct {
	ID, Label                  string
	Created, LastUsed, Expires Stamp
	Current                    bool // this browser
}

// browserLabel writes a remembered browser's label, as the sign-in made
// it ("Chrome on Linux", "Browser on another system"), in lang: the
// Japanese pages put the system first ("Linux の Chrome") and translate
// the words for an unknown browser or system ("その他のシステムのブラウザー").
// A label of another form is shown as it is.
func browserLabel(c *catalogue, lang, label string) string {
	browser, system, ok := strings.Cut(label, " on ")
	if !ok || lang != "ja" {
		return label
	}
	on := " の " // between product names, as Japanese pages space them
	if system == "another system" {
		system, on = c.text(lang, "browser.unknown_system"), "の"
	}
	if browser == "Browser" {
		browser = c.text(lang, "browser.unknown")
	}
	return system + on + browser
}
