package templates

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"reflect"
	"slices"
	"strings"
	"time"
)

//go:embed html/*.html
var pageFiles embed.FS

//go:embed static
var staticFiles embed.FS

// Renderer renders the pages. It is built once by New and is safe for
// concurrent use.
type Renderer struct {
	cat   *catalogue
	pages map[pageKey]*template.Template
	brand Brand
}

// pageKey names one page in one language.
type pageKey struct{ page, lang string }

// New parses every template once from the embedded files and renders each
// page once, so that a broken template fails here and not on a request.
func New() (*Renderer, error) { return NewBranded(Brand{}) }

// NewBranded is New for pages that present the product as b does.
func NewBranded(b Brand) (*Renderer, error) {
	cat, err := newCatalogue()
	if err != nil {
		return nil, err
	}
	r := &Renderer{cat: cat, pages: map[pageKey]*template.Template{}, brand: b}
	for _, name := range pageTemplates { // one file each in html/
		base, err := template.New(name).Funcs(r.funcs(Languages[0])).
			ParseFS(pageFiles, "html/layout.html", "html/portal.html", "html/"+name+".html")
		if err != nil {
			return nil, fmt.Errorf("parse page %s: %w", name, err)
		}
		for _, lang := range Languages {
			t, err := base.Clone()
			if err != nil {
				return nil, fmt.Errorf("clone page %s: %w", name, err)
			}
			r.pages[pageKey{name, lang}] = t.Funcs(r.funcs(lang))
		}
	}
	for _, zero := range []any{PasswordPage{}, SetupPage{QuestionEnabled: true}, QuestionPage{},
		EnrollPage{QRCode: "data:image/png;base64,", OTPAuthURI: "otpauth://", Issuer: "i", Account: "a"},
		RecoveryCodesPage{Codes: []string{"c"}}, OTPPage{ResetURL: "/"},
		ResetPage{RecoveryAllowed: true, EmailAllowed: true, EmailSent: true, BackURL: "/"}, ResetPage{},
		EnrollProofPage{}, LockedPage{},
		ErrorPage{}, LogoutPage{}, LoggedOutPage{}, DemoPage{SignedIn: true}, LinkCodePage{Code: "123 456", Minutes: 10},
		FormPostPage{Action: "https://app.example/cb", Fields: []FormField{{"state", "s"}}},
		ConsoleUsersPage{Users: []ConsoleUser{{Username: "u", HasDevice: true, Locked: true, Admin: true}, {Disabled: true}, {}}},
		ConsoleUsersPage{Flash: MsgConsoleUnlocked, Base: Base{Error: MsgConsoleInvalid}},
		ConsoleUserPage{User: ConsoleUserDetail{Admin: true, Disabled: true, RequireMFA: true, PasscodeLocked: true, PasscodeFailures: 5,
			LockedUntil: StampOf(time.Unix(1, 0)), MustChangePassword: true, ProofPending: true}, Device: &ConsoleDevice{App: "a"},
			Sessions: []ConsoleSession{{Handle: "h"}}, Browsers: []ConsoleBrowser{{ID: "b", Label: "l"}}, Events: []ConsoleEvent{{Event: "e"}}, Flash: MsgConsoleEnabled},
		ConsoleUserPage{},
		ConsoleCodePage{Code: "c", HadDevice: true, Mailed: true, MailFailed: true}, ConsoleCodePage{},
		ConsoleClientsPage{Clients: []ConsoleClientRow{{ID: "c", RequireMFA: true}, {FromConfig: true}, {BuiltIn: true}},
			New: ConsoleNewClient{Public: true, RequireMFA: true, Field: "id"}, NewMachine: ConsoleNewMachine{Write: true, Field: "machine_id"}},
		ConsoleClientPage{Client: ConsoleClient{Editable: true, RedirectURIs: []string{"u"}, PostLogoutURIs: []string{"u"}}},
		ConsoleClientPage{Client: ConsoleClient{FromConfig: true, Public: true, RequireMFA: true}},
		ConsoleClientPage{Client: ConsoleClient{Machine: true, Scopes: []string{"s"}}},
		ConsoleSecretPage{Secret: "s"}, ConsoleSecretPage{Rotated: true},
		ConsoleRemoveClientPage{},
		ConsoleKeysPage{Keys: []ConsoleKey{{State: "console.key.signing"}}}, ConsoleKeysPage{},
		ConsoleAuditPage{Events: []ConsoleEvent{{}}, Older: "/admin/audit?cursor=x", Field: "since"}, ConsoleAuditPage{},
		AccountPage{}, AccountPage{Device: &AccountDevice{App: "google"}, Done: "password", QuestionEnabled: true,
			SignIns: []AccountSignIn{{Result: "success"}, {Result: "failure"}, {Result: "locked"}}},
		AccountDevicePage{HasDevice: true}, AccountDevicePage{},
		AccountDeviceKeyPage{QRCode: "data:image/png;base64,", OTPAuthURI: "otpauth://", Issuer: "i", Account: "a"},
		AccountCodesPage{HasDevice: true}, AccountCodesPage{}, AccountNewCodesPage{Codes: []string{"c"}},
		AccountPasswordPage{NeedPasscode: true}, AccountQuestionPage{NeedPasscode: true, Question: "first_pet"},
		AccountSessionsPage{Sessions: []AccountSession{{ID: "s", Current: true}, {ID: "t"}}, Browsers: []AccountBrowser{{ID: "b", Current: true}, {ID: "c"}}},
		AccountSessionsPage{}} {
		for _, lang := range Languages {
			if err := r.Render(io.Discard, withLang(zero, lang)); err != nil {
				return nil, err
			}
		}
	}
	return r, nil
}

// funcs are the template functions bound to one language.
func (r *Renderer) funcs(lang string) template.FuncMap {
	return template.FuncMap{
		// t translates a Message, a question key or a page text key.
		"t": func(key any, args ...any) string {
			return r.brand.rebrand(r.cat.text(lang, keyString(key), args...))
		},
		"product":       r.brand.product,
		"brandLogo":     func() bool { return r.brand.Logo },
		"brandStyle":    func() bool { return r.brand.Styled },
		"questions":     func() []string { return slices.Clone(Questions) },
		"questionKnown": QuestionKnown,
		"when":          func(s Stamp) string { return when(s, lang, r.brand.Zone) },
		"browserLabel":  func(label string) string { return browserLabel(r.cat, lang, label) },
		"apps":          func() []App { return slices.Clone(Apps) },
	}
}

// Render writes the page for data, which must be one of the page structs
// (or a pointer to one); the template is chosen by its type. The caller sets
// the status code. Nothing is written if rendering fails.
func (r *Renderer) Render(w io.Writer, data any) error {
	name, lang, page, err := pageOf(data)
	if err != nil {
		return err
	}
	t, ok := r.pages[pageKey{name, lang}]
	if !ok {
		return fmt.Errorf("templates: no page %s", name)
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", page); err != nil {
		return fmt.Errorf("render page %s: %w", name, err)
	}
	_, err = buf.WriteTo(w)
	return err
}

// Text returns the translated text of a message, for logs, tests and
// non-HTML answers. MsgPasswordTooShort is given without its number.
func (r *Renderer) Text(lang string, m Message) string {
	return r.brand.rebrand(r.cat.text(normalLang(lang), string(m)))
}

// Static is the embedded static assets (serve at /static/), rooted so that
// "otpgate.css" is at the top.
func Static() fs.FS {
	sub, err := fs.Sub(staticFiles, "static")
	if err != nil {
		// Unreachable: "static" is a valid path embedded at build time.
		panic(err)
	}
	return sub
}

// errNotAPage is returned by Render for data of an unknown type.
var errNotAPage = errors.New("templates: data is not a page struct")

// pageTemplates maps each page type to its template.
var pageTemplates = map[reflect.Type]string{
	reflect.TypeFor[PasswordPage]():            "password",
	reflect.TypeFor[UsernamePage]():            "username",
	reflect.TypeFor[SetupPage]():               "setup",
	reflect.TypeFor[QuestionPage]():            "question",
	reflect.TypeFor[EnrollPage]():              "enroll",
	reflect.TypeFor[RecoveryCodesPage]():       "recoverycodes",
	reflect.TypeFor[OTPPage]():                 "otp",
	reflect.TypeFor[ResetPage]():               "reset",
	reflect.TypeFor[EnrollProofPage]():         "enrollproof",
	reflect.TypeFor[LockedPage]():              "locked",
	reflect.TypeFor[ErrorPage]():               "error",
	reflect.TypeFor[LogoutPage]():              "logout",
	reflect.TypeFor[LoggedOutPage]():           "loggedout",
	reflect.TypeFor[DemoPage]():                "demo",
	reflect.TypeFor[LinkCodePage]():            "linkcode",
	reflect.TypeFor[FormPostPage]():            "formpost",
	reflect.TypeFor[ConsoleUsersPage]():        "console_users",
	reflect.TypeFor[AccountPage]():             "account",
	reflect.TypeFor[AccountDevicePage]():       "account_device",
	reflect.TypeFor[AccountDeviceKeyPage]():    "account_device_key",
	reflect.TypeFor[AccountCodesPage]():        "account_codes",
	reflect.TypeFor[AccountNewCodesPage]():     "account_codes_new",
	reflect.TypeFor[AccountPasswordPage]():     "account_password",
	reflect.TypeFor[AccountQuestionPage]():     "account_question",
	reflect.TypeFor[AccountSessionsPage]():     "account_sessions",
	reflect.TypeFor[ConsoleUserPage]():         "console_user",
	reflect.TypeFor[ConsoleCodePage]():         "console_code",
	reflect.TypeFor[ConsoleClientsPage]():      "console_clients",
	reflect.TypeFor[ConsoleClientPage]():       "console_client",
	reflect.TypeFor[ConsoleSecretPage]():       "console_secret",
	reflect.TypeFor[ConsoleRemoveClientPage](): "console_client_remove",
	reflect.TypeFor[ConsoleKeysPage]():         "console_keys",
	reflect.TypeFor[ConsoleAuditPage]():        "console_audit",
}

// pageOf finds the template for data by type and returns a copy of the page
// with its language normalised.
func pageOf(data any) (name, lang string, page any, err error) {
	v := reflect.ValueOf(data)
	if v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return "", "", nil, errNotAPage
		}
		data = v.Elem().Interface()
	}
	name, ok := pageTemplates[reflect.TypeOf(data)]
	if !ok {
		return "", "", nil, fmt.Errorf("%w: %T", errNotAPage, data)
	}
	lang = normalLang(reflect.ValueOf(data).FieldByName("Base").FieldByName("Lang").String())
	switch p := withLang(data, lang).(type) {
	case EnrollPage:
		if !strings.HasPrefix(string(p.QRCode), qrPrefix) {
			p.QRCode = ""
		}
		page = p
	case AccountDeviceKeyPage:
		if !strings.HasPrefix(string(p.QRCode), qrPrefix) {
			p.QRCode = ""
		}
		page = p
	case LockedPage:
		p.Base.Error = MsgAccountLocked // always, and only once
		page = p
	case ErrorPage:
		if p.Message == "" {
			p.Message = p.Base.Error
		}
		if p.Message == "" {
			p.Message = MsgInternal
		}
		p.Base.Error = "" // shown once, as Message
		page = p
	default:
		page = p
	}
	return name, lang, page, nil
}

// qrPrefix starts every QR image URL that EnrollPage accepts: an inline
// image, allowed by the pages' CSP (img-src 'self' data:).
const qrPrefix = "data:image/"

// normalLang returns lang if it is supported, else the default language.
func normalLang(lang string) string {
	if slices.Contains(Languages, lang) {
		return lang
	}
	return Languages[0]
}

// withLang returns a copy of page with Base.Lang set.
func withLang(page any, lang string) any {
	v := reflect.New(reflect.TypeOf(page)).Elem()
	v.Set(reflect.ValueOf(page))
	v.FieldByName("Base").FieldByName("Lang").SetString(lang)
	return v.Interface()
}
