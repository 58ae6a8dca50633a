package templates

import "slices"

// App is an authenticator app offered at enrollment.
type App struct {
	ID        string     // stable key, sent back as the enroll form's "app" field and stored with the device
	Name      string     // product name, not translated; empty for "other", whose name is translated
	Downloads []Download // the official store pages, one per platform; none for "other"
}

// Download is where an app is downloaded for one platform.
type Download struct {
	Platform string // "Android" or "iPhone": the same in every language
	URL      string
}

// Apps are the tested TOTP apps, in display order. IDs are stable: handlers
// store them, so they are never removed or renamed.
var Apps = []App{
	{"google-authenticator", "Google Authenticator", []Download{
		{"Android", "https://play.google.com/store/apps/details?id=com.google.android.apps.authenticator2"},
		{"iPhone", "https://apps.apple.com/app/google-authenticator/id388497605"},
	}},
	{"microsoft-authenticator", "Microsoft Authenticator", []Download{
		{"Android", "https://play.google.com/store/apps/details?id=com.azure.authenticator"},
		{"iPhone", "https://apps.apple.com/app/microsoft-authenticator/id983156458"},
	}},
	{"authy", "Twilio Authy", []Download{
		{"Android", "https://play.google.com/store/apps/details?id=com.authy.authy"},
		{"iPhone", "https://apps.apple.com/app/twilio-authy/id494168017"},
	}},
	{"duo-mobile", "Duo Mobile", []Download{
		{"Android", "https://play.google.com/store/apps/details?id=com.duosecurity.duomobile"},
		{"iPhone", "https://apps.apple.com/app/duo-mobile/id422663827"},
	}},
	{"other", "", nil}, // name translated: "Another TOTP app" / 「その他の TOTP アプリ」
}

// AppKnown reports whether id is the ID of one of Apps.
func AppKnown(id string) bool {
	return slices.ContainsFunc(Apps, func(a App) bool { return a.ID == id })
}

// AppName is the name a person reads for the stored app id, in lang: the
// product's name, the translated "Another TOTP app", or "" for an id that is
// none of Apps (a device enrolled before apps were recorded).
func AppName(lang, id string) string {
	for _, a := range Apps {
		if a.ID != id {
			continue
		}
		if a.Name != "" {
			return a.Name
		}
		if normalLang(lang) == "ja" {
			return uiTexts["app.other"].ja
		}
		return uiTexts["app.other"].en
	}
	return ""
}
