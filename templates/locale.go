package templates

import (
	"strings"

	"golang.org/x/text/language"
)

// Languages are the page languages; the first, "en", is the default.
var Languages = []string{"en", "ja"}

// languageTags are Languages as tags, in the same order.
var languageTags = []language.Tag{language.English, language.Japanese}

// maxLocaleInput bounds how much of a header or parameter is parsed.
const maxLocaleInput = 512

// Negotiate picks the page language: explicit (a ?lang= or cookie choice)
// if supported, else the first supported tag of uiLocales (the
// space-separated OIDC ui_locales parameter), else the best match of the
// Accept-Language header, else "en". It never panics on garbage input.
func Negotiate(explicit, uiLocales, acceptLanguage string) string {
	if lang, ok := supported(explicit); ok {
		return lang
	}
	for _, f := range strings.Fields(truncate(uiLocales)) {
		if lang, ok := supported(f); ok {
			return lang
		}
	}
	tags, _, err := language.ParseAcceptLanguage(truncate(acceptLanguage))
	if err == nil && len(tags) > 0 {
		_, i, conf := language.NewMatcher(languageTags).Match(tags...)
		if conf != language.No && i >= 0 && i < len(Languages) {
			return Languages[i]
		}
	}
	return Languages[0]
}

// supported maps a single BCP 47 tag such as "ja-JP" to a supported
// language by its base language.
func supported(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if s == "" || len(s) > 64 {
		return "", false
	}
	tag, err := language.Parse(s)
	if err != nil {
		return "", false
	}
	base, conf := tag.Base()
	if conf == language.No {
		return "", false
	}
	for _, lang := range Languages {
		if base.String() == lang {
			return lang, true
		}
	}
	return "", false
}

// truncate cuts s to maxLocaleInput bytes at a list separator, so an
// oversized header costs little and never yields a half tag.
func truncate(s string) string {
	if len(s) <= maxLocaleInput {
		return s
	}
	s = s[:maxLocaleInput]
	if i := strings.LastIndexAny(s, ", "); i >= 0 {
		return s[:i]
	}
	return ""
}

// OtherLang is the language a page's switch offers: the other of the two.
func OtherLang(lang string) string {
	if lang == "ja" {
		return "en"
	}
	return "ja"
}
