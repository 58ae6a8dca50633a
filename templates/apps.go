package templates

import "slices"

// App is an authenticator app offered at enrollment.
type App struct {
	ID          string // stable key, sent back as the enroll form's "app" field
	Name        string // product name, not translated; empty for "other", whose name is translated
	DownloadURL string // official download page; empty when there is none ("other")
}

// Apps are the tested TOTP apps, in display order. IDs are stable: handlers
// may store them, so they are never removed or renamed.
var Apps = []App{
	{"google-authenticator", "Google Authenticator", "https://support.google.com/accounts/answer/1066447"},
	{"microsoft-authenticator", "Microsoft Authenticator", "https://www.microsoft.com/security/mobile-authenticator-app"},
	{"authy", "Twilio Authy", "https://authy.com/download/"},
	{"duo-mobile", "Duo Mobile", "https://duo.com/product/multi-factor-authentication-mfa/duo-mobile-app"},
	{"other", "", ""}, // name translated: "Another TOTP app" / 「その他の TOTP アプリ」
}

// AppKnown reports whether id is the ID of one of Apps.
func AppKnown(id string) bool {
	return slices.ContainsFunc(Apps, func(a App) bool { return a.ID == id })
}
