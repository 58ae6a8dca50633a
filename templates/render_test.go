package templates

import (
	"bytes"
	"fmt"
	"html/template"
	"io/fs"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"golang.org/x/net/html"
)

func newRenderer(t *testing.T) *Renderer {
	t.Helper()
	r, err := New()
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return r
}

// samplePage is one page type filled as a handler would fill it.
type samplePage struct {
	name      string   // subtest name; the step when empty
	step      string   // expected data-step
	actions   []string // expected POST form actions, in order
	flow      bool     // forms carry authRequestID
	autofocus int      // expected autofocused elements on the page
	alert     bool     // role="alert" even without Base.Error
	submits   int      // submit buttons per form when not 1
	// external: the form posts to a relying party, never with otpgate's
	// CSRF token
	external bool
	make     func(b Base) any
}

// sampleQR is a tiny valid PNG as a data URL, as the enroll handler makes it.
const sampleQR = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAAAAAA6fptVAAAACklEQVR4nGNgAAAAAgABSK+kcQAAAABJRU5ErkJggg=="

// sampleURI is an otpauth URI with characters that need escaping in HTML.
const sampleURI = "otpauth://totp/otpgate:alice%40example.com?secret=JBSWY3DPEHPK3PXP&issuer=otpgate&algorithm=SHA1&digits=6&period=30"

var samplePages = []samplePage{
	{step: "password", actions: []string{"/login/password"}, flow: true, autofocus: 1,
		make: func(b Base) any { return PasswordPage{Base: b, Username: "alice"} }},
	{step: "password", actions: []string{"/login/password"}, flow: true, autofocus: 1,
		make: func(b Base) any {
			return PasswordPage{Base: b, Username: "alice", DirectoryName: "Corporate directory",
				Sources: []PasswordSource{{Value: "corp-ldap", Label: "Corporate directory", Checked: true}, {Value: "local"}}}
		}},
	{name: "password-upstreams", step: "password", actions: []string{"/login/password", "/login/connector/corp-sso", "/login/connector/partner"},
		flow: true, autofocus: 1, make: func(b Base) any {
			return PasswordPage{Base: b, Upstreams: []UpstreamButton{{ID: "corp-sso", Name: "Corporate SSO"}, {ID: "partner", Name: "Partner <ID>"}}}
		}},
	{step: "username", actions: []string{"/login/username"}, flow: true, autofocus: 1,
		make: func(b Base) any { return UsernamePage{Base: b, Username: "alice"} }},
	{step: "setup", actions: []string{"/login/setup"}, flow: true, autofocus: 1,
		make: func(b Base) any { return SetupPage{Base: b, QuestionEnabled: true, Question: "birth_city"} }},
	{step: "setup", actions: []string{"/login/setup"}, flow: true, autofocus: 1,
		make: func(b Base) any { return SetupPage{Base: b, QuestionEnabled: true, QuestionOnly: true} }},
	{step: "question", actions: []string{"/login/question"}, flow: true, autofocus: 1,
		make: func(b Base) any { return QuestionPage{Base: b, Question: "first_pet"} }},
	{step: "enroll", actions: []string{"/login/enroll"}, flow: true, autofocus: 1, make: func(b Base) any {
		return EnrollPage{Base: b, SelectedApp: "authy", SetupKey: "JBSW Y3DP EHPK 3PXP", OTPAuthURI: sampleURI,
			QRCode: sampleQR, Issuer: "otpgate", Account: "alice@example.com"}
	}},
	{step: "recovery-codes", actions: []string{"/login/recovery-codes"}, flow: true, autofocus: 0,
		make: func(b Base) any {
			return RecoveryCodesPage{Base: b, Codes: []string{"abcd-efgh-ijkl", "mnop-qrst-uvwx"}}
		}},
	{step: "otp", actions: []string{"/login/otp"}, flow: true, autofocus: 1,
		make: func(b Base) any { return OTPPage{Base: b, ResetURL: "/login/reset?authRequestID=req-9"} }},
	{name: "reset-both", step: "reset", actions: []string{"/login/reset", "/login/reset/email", "/login/reset/code"}, flow: true, autofocus: 1,
		make: func(b Base) any {
			return ResetPage{Base: b, RecoveryAllowed: true, EmailAllowed: true, BackURL: "/login/otp?authRequestID=req-9"}
		}},
	{name: "reset-email-sent", step: "reset", actions: []string{"/login/reset/email", "/login/reset/code"}, flow: true, autofocus: 0,
		make: func(b Base) any { return ResetPage{Base: b, EmailAllowed: true, EmailSent: true, BackURL: "/x"} }},
	{name: "reset-none", step: "reset", actions: nil, flow: true, autofocus: 0,
		make: func(b Base) any { return ResetPage{Base: b, BackURL: "/x"} }},
	{step: "enroll-proof", actions: []string{"/login/enroll-proof"}, flow: true, autofocus: 1,
		make: func(b Base) any { return EnrollProofPage{Base: b} }},
	{name: "enroll-proof-first-email", step: "enroll-proof", actions: []string{"/login/enroll-proof/email", "/login/enroll-proof"},
		flow: true, autofocus: 0,
		make: func(b Base) any { return EnrollProofPage{Base: b, FirstEnrollment: true, EmailAllowed: true} }},
	{name: "enroll-proof-first-admin", step: "enroll-proof", actions: []string{"/login/enroll-proof"}, flow: true, autofocus: 1,
		make: func(b Base) any { return EnrollProofPage{Base: b, FirstEnrollment: true} }},
	{step: "locked", alert: true, make: func(b Base) any { return LockedPage{Base: b} }},
	{step: "link-code", make: func(b Base) any { return LinkCodePage{Base: b, Code: "482 913", Minutes: 10} }},
	{step: "error", alert: true, make: func(b Base) any {
		return ErrorPage{Base: b, Status: 400, Message: MsgBadRequest, RestartURL: "/authorize?client_id=wiki", AppURL: "https://wiki.example/"}
	}},
	{step: "logout", actions: []string{"/logout"}, submits: 2, autofocus: 1, make: func(b Base) any {
		return LogoutPage{Base: b, ClientName: "Wiki", Action: "/logout", PostLogoutRedirectURI: "https://app.example/bye", State: "s1", ClientID: "wiki"}
	}},
	{step: "logged-out", make: func(b Base) any { return LoggedOutPage{Base: b} }},
	{step: "form-post", external: true, actions: []string{"https://login.microsoftonline.com/common/federation/externalauthprovider"}, make: func(b Base) any {
		return FormPostPage{Base: b, Action: "https://login.microsoftonline.com/common/federation/externalauthprovider",
			Fields: []FormField{{"id_token", "eyJ.x.y"}, {"state", "s1"}}}
	}},
	{step: "demo", make: func(b Base) any {
		return DemoPage{Base: b, SignedIn: true, Claims: `{"sub": "u1"}`, Issuer: "https://id.example"}
	}},
}

func render(t *testing.T, r *Renderer, page any) string {
	t.Helper()
	var buf bytes.Buffer
	if err := r.Render(&buf, page); err != nil {
		t.Fatalf("Render(%T): %v", page, err)
	}
	return buf.String()
}

func TestEveryPageRenders(t *testing.T) {
	r := newRenderer(t)
	for _, sp := range samplePages {
		for _, lang := range Languages {
			for _, withErr := range []bool{false, true} {
				b := Base{Lang: lang, CSRF: "tok-123", AuthRequestID: "req-9", ClientName: "Wiki", MinPasswordLength: 12, SwitchLang: "/x?lang=other"}
				if withErr {
					b.Error = MsgSignInFailed
				}
				name := sp.step
				if sp.name != "" {
					name = sp.name
				}
				name += "/" + lang
				if withErr {
					name += "/error"
				}
				t.Run(name, func(t *testing.T) {
					out := render(t, r, sp.make(b))
					checkPage(t, out, sp, b)
				})
			}
		}
	}
}

func checkPage(t *testing.T, out string, sp samplePage, b Base) {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(out))
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	if !strings.HasPrefix(out, "<!DOCTYPE html>") {
		t.Errorf("no doctype")
	}
	if got := attr(first(doc, "html"), "lang"); got != b.Lang {
		t.Errorf("html lang = %q, want %q", got, b.Lang)
	}
	if got := attr(first(doc, "body"), "data-step"); got != sp.step {
		t.Errorf("data-step = %q, want %q", got, sp.step)
	}
	if n := first(doc, "title"); n == nil || strings.TrimSpace(text(n)) == "" {
		t.Errorf("missing or empty <title>")
	}
	for _, want := range []string{`<meta charset="utf-8">`, `<meta name="viewport"`, `<link rel="stylesheet" href="/static/otpgate.css">`} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %s", want)
		}
	}
	// One script, the page's own file (CSP script-src 'self'), never inline.
	scripts := all(doc, "script")
	if len(scripts) != 1 || attr(scripts[0], "src") != "/static/otpgate.js" || text(scripts[0]) != "" ||
		len(all(doc, "style")) > 0 || strings.Contains(out, " style=") || onHandler(doc) {
		t.Errorf("inline script or style found")
	}

	forms := all(doc, "form")
	if len(forms) != len(sp.actions) {
		t.Fatalf("forms = %d, want %d", len(forms), len(sp.actions))
	}
	for i, f := range forms {
		if attr(f, "method") != "post" || attr(f, "action") != sp.actions[i] {
			t.Errorf("form method=%q action=%q, want post %q", attr(f, "method"), attr(f, "action"), sp.actions[i])
		}
		if !sp.external && !hasHidden(f, "csrf", b.CSRF) {
			t.Errorf("form %s lacks hidden csrf input", sp.actions[i])
		}
		if sp.external && hasHidden(f, "csrf", b.CSRF) {
			t.Errorf("form %s posts otpgate's csrf token to a relying party", sp.actions[i])
		}
		if sp.flow != hasHidden(f, "authRequestID", b.AuthRequestID) {
			t.Errorf("form %s: hidden authRequestID present = %v, want %v", sp.actions[i], !sp.flow, sp.flow)
		}
		submits := 0
		for _, b := range all(f, "button") {
			if attr(b, "type") != "button" {
				submits++
			}
		}
		if want := max(sp.submits, 1); submits != want {
			t.Errorf("form %s: %d submit buttons, want %d", sp.actions[i], submits, want)
		}
	}
	autofocus := 0
	walk(doc, func(n *html.Node) {
		if n.Type == html.ElementNode && hasAttr(n, "autofocus") {
			autofocus++
			if !inForm(n) {
				t.Errorf("autofocus on %s outside a form", n.Data)
			}
		}
	})
	if autofocus != sp.autofocus {
		t.Errorf("autofocus on %d elements, want %d", autofocus, sp.autofocus)
	}

	labels := map[string]bool{}
	for _, l := range all(doc, "label") {
		if strings.TrimSpace(text(l)) == "" {
			t.Errorf("empty label for %q", attr(l, "for"))
		}
		labels[attr(l, "for")] = true
	}
	for _, n := range append(all(doc, "input"), all(doc, "select")...) {
		if attr(n, "type") == "hidden" {
			continue
		}
		id := attr(n, "id")
		if id == "" || !labels[id] {
			t.Errorf("%s name=%q has no <label for>", n.Data, attr(n, "name"))
		}
		if !hasAttr(n, "required") {
			t.Errorf("%s name=%q is not required", n.Data, attr(n, "name"))
		}
	}

	alerts := 0
	walk(doc, func(n *html.Node) {
		if attr(n, "role") == "alert" {
			alerts++
		}
	})
	wantAlerts := 0
	if b.Error != "" || sp.alert {
		wantAlerts = 1
	}
	if alerts != wantAlerts {
		t.Errorf("role=alert elements = %d, want %d", alerts, wantAlerts)
	}

	texts, _ := allTexts()
	for k := range texts {
		if strings.Contains(k, ".") && strings.Contains(out, k) {
			t.Errorf("untranslated key %q in output", k)
		}
	}
	for _, a := range all(doc, "a") {
		if attr(a, "target") != "" {
			t.Errorf("link %q opens another tab", attr(a, "href"))
		}
	}
	for _, img := range all(doc, "img") {
		if strings.TrimSpace(attr(img, "alt")) == "" {
			t.Errorf("img %q without alt text", attr(img, "id"))
		}
	}
	if strings.Contains(out, "%!") || strings.Contains(out, "ZgotmplZ") {
		t.Errorf("formatting or escaping artefact in output:\n%s", out)
	}
}

func TestEscaping(t *testing.T) {
	r := newRenderer(t)
	evil := `"><script>alert(1)</script>`
	b := Base{Lang: "en", CSRF: evil, AuthRequestID: evil, ClientName: evil}
	pages := []any{
		PasswordPage{Base: b, Username: evil},
		ErrorPage{Base: b, AppURL: "javascript:alert(1)", RestartURL: "javascript:alert(1)", RetryURL: "javascript:alert(1)"},
		DemoPage{Base: b, SignedIn: true, Claims: `</pre>` + evil, Error: evil, Issuer: evil},
		LogoutPage{Base: b, Action: "javascript:alert(1)", State: evil},
		EnrollPage{Base: b, SelectedApp: evil, SetupKey: evil, OTPAuthURI: evil, QRCode: sampleQR, Issuer: evil, Account: evil},
		EnrollPage{Base: b, OTPAuthURI: "javascript:alert(1)", QRCode: "javascript:alert(1)"},
		RecoveryCodesPage{Base: b, Codes: []string{evil, "</code></li></ol>" + evil}},
		OTPPage{Base: b, ResetURL: "javascript:alert(1)"},
		ResetPage{Base: b, RecoveryAllowed: true, EmailAllowed: true, EmailSent: true, BackURL: "javascript:alert(1)"},
		EnrollProofPage{Base: b},
		LockedPage{Base: b},
	}
	for _, p := range pages {
		out := render(t, r, p)
		if strings.Contains(out, "<script>") || strings.Contains(out, "javascript:") {
			t.Errorf("%T: unescaped input:\n%s", p, out)
		}
	}
	out := render(t, r, PasswordPage{Base: b, Username: evil})
	if !strings.Contains(out, "&lt;script&gt;") {
		t.Errorf("escaped username not found:\n%s", out)
	}
}

func TestSetupPage(t *testing.T) {
	r := newRenderer(t)
	out := render(t, r, SetupPage{Base: Base{Lang: "ja", Error: MsgPasswordTooShort, MinPasswordLength: 12}, QuestionEnabled: true, Question: "first_school"})
	if n := strings.Count(out, "<option "); n != len(Questions)+1 {
		t.Errorf("options = %d, want %d", n, len(Questions)+1)
	}
	if !regexp.MustCompile(`<option value="first_school" selected>最初に通った学校の名前は？</option>`).MatchString(out) {
		t.Errorf("first_school not preselected and translated:\n%s", out)
	}
	if !strings.Contains(out, "新しいパスワードは12文字以上で設定してください。") {
		t.Errorf("too-short message without the length:\n%s", out)
	}
	out = render(t, r, SetupPage{Base: Base{Lang: "en"}})
	for _, name := range []string{`name="question"`, `name="answer"`, `name="answer_confirm"`} {
		if strings.Contains(out, name) {
			t.Errorf("question disabled but %s rendered", name)
		}
	}
	if strings.Contains(out, `minlength=`) {
		t.Errorf("minlength without a MinPasswordLength")
	}
}

// checkCodeInput checks a passcode field: numeric keyboard and one-time-code
// autofill, room for spaces and full-width digits, no pattern (the server
// normalises), required.
func checkCodeInput(t *testing.T, in *html.Node) {
	t.Helper()
	if in == nil || in.Data != "input" {
		t.Fatalf("no input id=code")
	}
	want := map[string]string{"name": "code", "type": "text", "inputmode": "numeric", "autocomplete": "one-time-code", "maxlength": "12"}
	for k, v := range want {
		if got := attr(in, k); got != v {
			t.Errorf("code input %s=%q, want %q", k, got, v)
		}
	}
	if !hasAttr(in, "required") || hasAttr(in, "pattern") {
		t.Errorf("code input must be required and not pattern-restricted")
	}
}

func parse(t *testing.T, out string) *html.Node {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(out))
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	return doc
}

func TestEnrollPage(t *testing.T) {
	r := newRenderer(t)
	for _, lang := range Languages {
		t.Run(lang, func(t *testing.T) {
			page := EnrollPage{Base: Base{Lang: lang, CSRF: "c", AuthRequestID: "r"}, SelectedApp: "authy",
				SetupKey: "JBSW Y3DP EHPK 3PXP", OTPAuthURI: sampleURI, QRCode: sampleQR, Issuer: "otpgate", Account: "alice@example.com"}
			out := render(t, r, page)
			doc := parse(t, out)

			key := byID(doc, "setup-key")
			if key == nil || text(key) != page.SetupKey {
				t.Errorf("setup key not shown in id=setup-key:\n%s", out)
			}
			img := byID(doc, "qr-code")
			if img == nil || img.Data != "img" {
				t.Fatalf("no img id=qr-code:\n%s", out)
			}
			if got := attr(img, "data-otpauth"); got != sampleURI {
				t.Errorf("data-otpauth = %q, want %q", got, sampleURI)
			}
			if got := attr(img, "src"); got != sampleQR {
				t.Errorf("src = %q, want the data URL", got)
			}
			if attr(img, "alt") != r.cat.text(lang, "enroll.qr_alt") || attr(img, "width") != "256" || attr(img, "height") != "256" {
				t.Errorf("img alt/width/height wrong: %v", img.Attr)
			}
			// The otpauth URI is a link once: "Open in authenticator app".
			if strings.Count(out, `href="otpauth:`) != 1 {
				t.Errorf("otpauth URI rendered as a link %d times", strings.Count(out, `href="otpauth:`))
			}
			if !strings.Contains(text(doc), page.Account) || !strings.Contains(text(doc), page.Issuer) {
				t.Errorf("account or issuer not shown")
			}

			h2 := all(doc, "h2")
			if len(h2) != 3 {
				t.Fatalf("%d sections, want 3", len(h2))
			}
			for i, k := range []string{"enroll.step1", "enroll.step2", "enroll.step3"} {
				if got := strings.TrimSpace(text(h2[i])); got != fmt.Sprintf("%d %s", i+1, r.cat.text(lang, k)) {
					t.Errorf("section %d heading = %q", i+1, got)
				}
			}

			sel := byID(doc, "app")
			if sel == nil || sel.Data != "select" || attr(sel, "name") != "app" || !hasAttr(sel, "required") {
				t.Fatalf("no required select id=app name=app")
			}
			opts := all(sel, "option")
			if len(opts) != len(Apps)+1 || attr(opts[0], "value") != "" {
				t.Fatalf("options = %d, want a placeholder and %d apps", len(opts), len(Apps))
			}
			for i, app := range Apps {
				o := opts[i+1]
				name := app.Name
				if name == "" {
					name = r.cat.text(lang, "app.other")
				}
				if attr(o, "value") != app.ID || text(o) != name || hasAttr(o, "selected") != (app.ID == "authy") {
					t.Errorf("option %d = %v %q, want %s %q", i, o.Attr, text(o), app.ID, name)
				}
			}
			if other := text(opts[len(opts)-1]); other != map[string]string{"en": "Another TOTP app", "ja": "その他の TOTP アプリ"}[lang] {
				t.Errorf("other app = %q", other)
			}

			var links []*html.Node
			for _, a := range all(doc, "a") {
				if strings.HasPrefix(attr(a, "href"), "https://") {
					links = append(links, a)
				}
			}
			// "Download and install", then each tested app's store pages,
			// grouped by app (the page's script shows the chosen app's).
			type dl struct{ app, href, text string }
			var want []dl
			for _, app := range Apps {
				for _, d := range app.Downloads {
					want = append(want, dl{app.ID, d.URL, app.Name + " (" + d.Platform + ")"})
				}
			}
			if len(links) != len(want) {
				t.Fatalf("%d download links, want %d", len(links), len(want))
			}
			for i, a := range links {
				if attr(a, "href") != want[i].href || text(a) != want[i].text || attr(a, "rel") != "noopener noreferrer" ||
					attr(a.Parent.Parent, "data-app-downloads") != want[i].app {
					t.Errorf("download link %d = %v %q, want %+v", i, a.Attr, text(a), want[i])
				}
			}
			if h := byID(doc, "downloads_title"); h == nil || text(h) != r.cat.text(lang, "enroll.download_install") {
				t.Errorf("no Download and install title")
			}
			// On a phone: the key opens in the app, and it can be copied.
			if a := byID(doc, "open-app"); a == nil || attr(a, "href") != page.OTPAuthURI || text(a) != r.cat.text(lang, "enroll.open_app") {
				t.Errorf("no Open in authenticator app link to the otpauth URI")
			}
			if b := byID(doc, "copy-key"); b == nil || attr(b, "type") != "button" || attr(b, "data-copy") != "setup-key" {
				t.Errorf("no copy button for the setup key")
			}
			if k := byID(doc, "setup-key"); k == nil || strings.Contains(attr(k, "data-copy-text"), " ") || attr(k, "data-copy-text") == "" {
				t.Errorf("setup key copies with spaces or not at all")
			}

			code := byID(doc, "code")
			checkCodeInput(t, code)
			forms := all(doc, "form")
			if len(forms) != 1 || byID(forms[0], "app") == nil || byID(forms[0], "code") == nil {
				t.Errorf("select and code are not in one form")
			}
			if !hasAttr(sel, "autofocus") || hasAttr(code, "autofocus") {
				t.Errorf("autofocus should start at the app select")
			}
			if b := submitButton(forms[0]); b == nil || text(b) != r.cat.text(lang, "button.verify_device") {
				t.Errorf("no Verify device button")
			}
		})
	}
}

func TestEnrollPageFocusAndQR(t *testing.T) {
	r := newRenderer(t)
	for _, m := range []Message{MsgCodeMalformed, MsgCodeInvalid} {
		doc := parse(t, render(t, r, EnrollPage{Base: Base{Error: m}, SelectedApp: "other", SetupKey: "K"}))
		if !hasAttr(byID(doc, "code"), "autofocus") || hasAttr(byID(doc, "app"), "autofocus") {
			t.Errorf("%s: autofocus should be on the code", m)
		}
	}
	for _, qr := range []template.URL{"", "javascript:alert(1)", "https://evil.example/qr.png"} {
		out := render(t, r, EnrollPage{Base: Base{Lang: "en"}, SetupKey: "JBSW Y3DP", OTPAuthURI: sampleURI, QRCode: qr})
		doc := parse(t, out)
		if len(all(doc, "img")) != 0 || (qr != "" && strings.Contains(out, string(qr))) {
			t.Errorf("QRCode %q: image shown:\n%s", qr, out)
		}
		if byID(doc, "setup-key") == nil {
			t.Errorf("QRCode %q: setup key missing", qr)
		}
	}
	doc := parse(t, render(t, r, EnrollPage{SelectedApp: "no-such-app"}))
	for _, o := range all(doc, "option") {
		if hasAttr(o, "selected") {
			t.Errorf("unknown app preselected %v", o.Attr)
		}
	}
}

func TestRecoveryCodesPage(t *testing.T) {
	r := newRenderer(t)
	codes := []string{"k3x9-2mqa-77pd", "bb4r-hy6c-0z1w", "q8tt-n5ve-ls2k"}
	for _, lang := range Languages {
		out := render(t, r, RecoveryCodesPage{Base: Base{Lang: lang, CSRF: "c", AuthRequestID: "r"}, Codes: codes})
		doc := parse(t, out)
		list := byID(doc, "recovery-codes")
		if list == nil || list.Data != "ol" {
			t.Fatalf("%s: no <ol id=recovery-codes>", lang)
		}
		items := all(list, "li")
		if len(items) != len(codes) {
			t.Fatalf("%s: %d codes listed, want %d", lang, len(items), len(codes))
		}
		for i, li := range items {
			if c := first(li, "code"); c == nil || text(c) != codes[i] {
				t.Errorf("%s: item %d = %q, want <code>%s</code>", lang, i, text(li), codes[i])
			}
		}
		if !strings.Contains(text(doc), r.cat.text(lang, "codes.intro")) {
			t.Errorf("%s: explanation missing", lang)
		}
		f := first(doc, "form")
		for _, in := range all(f, "input") {
			if attr(in, "type") != "hidden" && attr(in, "name") != "saved" {
				t.Errorf("%s: visible input %q in the final form", lang, attr(in, "name"))
			}
		}
		// "I have saved these codes" must be ticked before Submit.
		if in := byID(f, "saved"); in == nil || attr(in, "type") != "checkbox" || !hasAttr(in, "required") || hasAttr(in, "checked") {
			t.Errorf("%s: no required, unticked I-have-saved checkbox", lang)
		}
		if b := submitButton(f); b == nil || text(b) != r.cat.text(lang, "button.submit") {
			t.Errorf("%s: no Submit button", lang)
		}
		// Copy, download and print; the download holds exactly the codes.
		dl := byID(doc, "download-codes")
		want := "data:text/plain;charset=utf-8," + url.PathEscape(strings.Join(codes, "\n")+"\n")
		if dl == nil || attr(dl, "href") != want || attr(dl, "download") == "" {
			t.Errorf("%s: download link = %v", lang, dl)
		}
		for _, id := range []string{"copy-codes", "print-codes"} {
			if b := byID(doc, id); b == nil || attr(b, "type") != "button" || !hasAttr(b, "hidden") || inForm(b) {
				t.Errorf("%s: %s must be a script-revealed button outside the form", lang, id)
			}
		}
	}
	if got := r.cat.text("en", "codes.intro"); got != "Your device is set up. Save these recovery codes somewhere safe. Each one works once, if you lose your device. They will not be shown again." {
		t.Errorf("codes.intro = %q", got)
	}
}

func TestOTPPage(t *testing.T) {
	r := newRenderer(t)
	const reset = "/login/reset?authRequestID=r&lang=ja"
	for _, lang := range Languages {
		out := render(t, r, OTPPage{Base: Base{Lang: lang, CSRF: "c", AuthRequestID: "r"}, ResetURL: reset})
		doc := parse(t, out)
		if h := first(doc, "h1"); h == nil || text(h) != r.cat.text(lang, "otp.title") {
			t.Errorf("%s: heading wrong", lang)
		}
		code := byID(doc, "code")
		checkCodeInput(t, code)
		if !hasAttr(code, "autofocus") {
			t.Errorf("%s: code not autofocused", lang)
		}
		a := byID(doc, "lost-device")
		if a == nil || a.Data != "a" || attr(a, "href") != reset || text(a) != r.cat.text(lang, "button.reset_device") {
			t.Fatalf("%s: lost-device link wrong:\n%s", lang, out)
		}
		// The customer's document: "under Reset your OTP device, select
		// Reset Device" — a section of its own, headed with that name.
		if h := byID(doc, "reset_device"); h == nil || h.Data != "h2" || text(h) != r.cat.text(lang, "otp.reset_title") ||
			attr(h.Parent, "aria-labelledby") != "reset_device" || !contains(h.Parent, a) {
			t.Errorf("%s: no Reset your OTP device section around the button:\n%s", lang, out)
		}
		if inForm(a) {
			t.Errorf("%s: lost-device link inside the form", lang)
		}
	}
	if got := r.cat.text("en", "otp.reset_title") + "|" + r.cat.text("en", "button.reset_device"); got != "Reset your OTP device|Reset Device" {
		t.Errorf("reset section wording = %q, want the customer's document's labels", got)
	}
	if got := r.cat.text("en", "otp.title") + " " + r.cat.text("en", "otp.intro"); got != "Enter your one-time passcode Open your authenticator app and enter the 6-digit code for this account." {
		t.Errorf("otp wording = %q", got)
	}
	if out := render(t, r, OTPPage{}); strings.Contains(out, "lost-device") {
		t.Errorf("lost-device link without a ResetURL")
	}
}

func TestResetPage(t *testing.T) {
	r := newRenderer(t)
	tests := []struct {
		page                        ResetPage
		recovery, email, sent, back bool
	}{
		{ResetPage{RecoveryAllowed: true, EmailAllowed: true, BackURL: "/b"}, true, true, false, true},
		{ResetPage{RecoveryAllowed: true}, true, false, false, false},
		{ResetPage{EmailAllowed: true, EmailSent: true, BackURL: "/b"}, false, true, true, true},
		{ResetPage{EmailSent: true}, false, false, true, false},
		{ResetPage{BackURL: "/b"}, false, false, false, true},
	}
	for _, tc := range tests {
		for _, lang := range Languages {
			p := tc.page
			p.Base = Base{Lang: lang, CSRF: "c", AuthRequestID: "r"}
			out := render(t, r, p)
			doc := parse(t, out)
			name := fmt.Sprintf("%s %+v", lang, tc.page)
			actions := map[string]*html.Node{}
			for _, f := range all(doc, "form") {
				actions[attr(f, "action")] = f
			}
			if f := actions["/login/reset"]; (f != nil) != tc.recovery {
				t.Errorf("%s: recovery form = %v", name, f != nil)
			} else if f != nil {
				in := byID(f, "recovery_code")
				if in == nil || attr(in, "name") != "recovery_code" || attr(in, "autocomplete") != "off" || attr(in, "spellcheck") != "false" {
					t.Errorf("%s: recovery_code input wrong", name)
				}
				if b := first(f, "button"); b == nil || text(b) != r.cat.text(lang, "button.use_recovery") {
					t.Errorf("%s: no Use recovery code button", name)
				}
			}
			if f := actions["/login/reset/email"]; (f != nil) != tc.email {
				t.Errorf("%s: email form = %v", name, f != nil)
			} else if f != nil {
				if len(all(f, "input")) != 2 || first(f, "button") == nil || text(first(f, "button")) != r.cat.text(lang, "button.email_link") {
					t.Errorf("%s: email form must hold only csrf, authRequestID and its button", name)
				}
			}
			var status, alerts int
			walk(doc, func(n *html.Node) {
				switch attr(n, "role") {
				case "status":
					status++
					if text(n) != r.cat.text(lang, "reset.email_sent") {
						t.Errorf("%s: status text %q", name, text(n))
					}
				case "alert":
					alerts++
				}
			})
			if (status == 1) != tc.sent || status > 1 || alerts != 0 {
				t.Errorf("%s: status=%d alerts=%d", name, status, alerts)
			}
			// Asking the administrator is always one of the ways.
			if h := byID(doc, "reset_admin"); h == nil || !strings.Contains(out, r.cat.text(lang, "reset.admin_intro")) {
				t.Errorf("%s: no ask-your-administrator section", name)
			}
			if strings.Contains(out, `href="/b"`) != tc.back {
				t.Errorf("%s: back link shown = %v", name, !tc.back)
			}
		}
	}
}

func TestEnrollProofPage(t *testing.T) {
	r := newRenderer(t)
	for _, lang := range Languages {
		doc := parse(t, render(t, r, EnrollProofPage{Base: Base{Lang: lang}}))
		in := byID(doc, "proof")
		if in == nil || attr(in, "name") != "proof" || attr(in, "autocomplete") != "off" || !hasAttr(in, "autofocus") {
			t.Errorf("%s: proof input wrong", lang)
		}
		if !strings.Contains(text(doc), r.cat.text(lang, "proof.intro")) {
			t.Errorf("%s: explanation missing", lang)
		}
		// Before a first enrollment the page says why, and what to do.
		first := text(parse(t, render(t, r, EnrollProofPage{Base: Base{Lang: lang}, FirstEnrollment: true})))
		for _, key := range []string{"proof.first_title", "proof.first_intro", "proof.first_admin"} {
			if !strings.Contains(first, r.cat.text(lang, key)) {
				t.Errorf("%s: first enrollment without mail lacks %s", lang, key)
			}
		}
		if strings.Contains(first, r.cat.text(lang, "proof.intro")) {
			t.Errorf("%s: a first enrollment claims the device was reset", lang)
		}
		sent := text(parse(t, render(t, r, EnrollProofPage{Base: Base{Lang: lang}, FirstEnrollment: true, EmailAllowed: true, EmailSent: true})))
		for _, key := range []string{"proof.first_email", "proof.first_code", "proof.email_sent", "button.email_proof"} {
			if !strings.Contains(sent, r.cat.text(lang, key)) {
				t.Errorf("%s: emailed proof page lacks %s", lang, key)
			}
		}
	}
}

func TestLockedPageAlwaysAlerts(t *testing.T) {
	r := newRenderer(t)
	want := map[string]string{
		"en": "Your account is locked because of too many failed passcode entries. Contact your administrator.",
		"ja": "ワンタイムパスワードの誤入力が規定の回数に達したため、アカウントがロックされています。管理者にお問い合わせください。",
	}
	for _, lang := range Languages {
		for _, e := range []Message{"", MsgInternal, MsgAccountLocked} {
			out := render(t, r, &LockedPage{Base: Base{Lang: lang, Error: e}})
			doc := parse(t, out)
			var alerts []*html.Node
			walk(doc, func(n *html.Node) {
				if attr(n, "role") == "alert" {
					alerts = append(alerts, n)
				}
			})
			if len(alerts) != 1 || text(alerts[0]) != want[lang] {
				t.Errorf("%s error=%q: want one alert %q:\n%s", lang, e, want[lang], out)
			}
			if len(all(doc, "form")) != 0 {
				t.Errorf("%s: locked page has a form", lang)
			}
		}
	}
}

func TestQuestionPageShowsQuestion(t *testing.T) {
	r := newRenderer(t)
	out := render(t, r, QuestionPage{Base: Base{Lang: "en"}, Question: "first_pet"})
	if !strings.Contains(out, "What was the name of your first pet?") {
		t.Errorf("question text missing:\n%s", out)
	}
	out = render(t, r, QuestionPage{Base: Base{Lang: "en"}, Question: "no_such_key"})
	if strings.Contains(out, "no_such_key") {
		t.Errorf("unknown question key shown to the user")
	}
}

func TestErrorPageMessage(t *testing.T) {
	r := newRenderer(t)
	out := render(t, r, ErrorPage{Base: Base{Lang: "en", Error: MsgCSRF}, Status: 403})
	if !strings.Contains(out, r.Text("en", MsgCSRF)) || strings.Count(out, `role="alert"`) != 1 {
		t.Errorf("Base.Error not shown once as the message:\n%s", out)
	}
	out = render(t, r, &ErrorPage{Base: Base{Lang: "xx"}, Status: 500})
	if !strings.Contains(out, r.Text("en", MsgInternal)) || strings.Contains(out, "500") {
		t.Errorf("empty message should fall back to MsgInternal without details:\n%s", out)
	}
}

// TestLogoutCancel: the confirmation's form has a Cancel button that posts
// the same verified return address with cancel=yes.
func TestLogoutCancel(t *testing.T) {
	r := newRenderer(t)
	for _, lang := range Languages {
		doc := parse(t, render(t, r, LogoutPage{Base: Base{Lang: lang, CSRF: "c"}, Action: "/logout",
			PostLogoutRedirectURI: "https://app.example/bye", State: "sig"}))
		// One form: Sign out first (and the default), Cancel beside it.
		forms := all(doc, "form")
		if len(forms) != 1 {
			t.Fatalf("%s: %d forms", lang, len(forms))
		}
		buttons := all(forms[0], "button")
		b := byID(forms[0], "cancel")
		if len(buttons) != 2 || buttons[1] != b || text(b) != r.cat.text(lang, "button.cancel") || hasAttr(b, "autofocus") ||
			attr(b, "name") != "cancel" || attr(b, "value") != "yes" || attr(buttons[0], "name") != "" ||
			!hasHidden(forms[0], "post_logout_redirect_uri", "https://app.example/bye") || hasHidden(forms[0], "cancel", "yes") {
			t.Errorf("%s: Cancel button wrong", lang)
		}
	}
	if r.cat.text("en", "button.cancel") != "Cancel" {
		t.Errorf("Cancel wording")
	}
}

func TestLogoutHiddenFieldsOnlyWhenSet(t *testing.T) {
	r := newRenderer(t)
	out := render(t, r, LogoutPage{Base: Base{Lang: "en", CSRF: "c"}})
	for _, name := range []string{"post_logout_redirect_uri", "state", "client_id"} {
		if strings.Contains(out, `name="`+name+`"`) {
			t.Errorf("empty %s rendered", name)
		}
	}
	if strings.Contains(out, "action=") {
		t.Errorf("empty Action rendered an action attribute")
	}
}

func TestDemoPageSignedOut(t *testing.T) {
	r := newRenderer(t)
	out := render(t, r, DemoPage{Base: Base{Lang: "en"}})
	if !strings.Contains(out, `href="/demo/login"`) || strings.Contains(out, `id="claims"`) || strings.Contains(out, "/demo/logout") {
		t.Errorf("signed-out demo page wrong:\n%s", out)
	}
}

func TestRenderRejectsOtherTypes(t *testing.T) {
	r := newRenderer(t)
	var nilPage *PasswordPage
	for _, data := range []any{nil, "password", Base{}, nilPage} {
		var buf bytes.Buffer
		if err := r.Render(&buf, data); err == nil || buf.Len() > 0 {
			t.Errorf("Render(%T) = %v, wrote %d bytes", data, err, buf.Len())
		}
	}
}

func TestTemplatesUseKnownKeys(t *testing.T) {
	texts, err := allTexts()
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile(`\{\{-?\s*t "([^"]+)"`)
	files, _ := fs.Glob(pageFiles, "html/*.html")
	for _, f := range files {
		b, _ := fs.ReadFile(pageFiles, f)
		for _, m := range re.FindAllStringSubmatch(string(b), -1) {
			if _, ok := texts[m[1]]; !ok {
				t.Errorf("%s uses unknown key %q", f, m[1])
			}
		}
	}
}

func TestStatic(t *testing.T) {
	b, err := fs.ReadFile(Static(), "otpgate.css")
	if err != nil || len(b) == 0 {
		t.Fatalf("otpgate.css: %v (%d bytes)", err, len(b))
	}
}

func TestConcurrentRender(t *testing.T) {
	r := newRenderer(t)
	var wg sync.WaitGroup
	for i := range 16 {
		wg.Go(func() {
			lang := Languages[i%len(Languages)]
			for _, sp := range samplePages {
				var buf bytes.Buffer
				if err := r.Render(&buf, sp.make(Base{Lang: lang, Error: MsgInternal})); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
}

// HTML helpers.

func walk(n *html.Node, f func(*html.Node)) {
	f(n)
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		walk(c, f)
	}
}

func all(root *html.Node, tag string) []*html.Node {
	var out []*html.Node
	walk(root, func(n *html.Node) {
		if n.Type == html.ElementNode && n.Data == tag {
			out = append(out, n)
		}
	})
	return out
}

func first(root *html.Node, tag string) *html.Node {
	if ns := all(root, tag); len(ns) > 0 {
		return ns[0]
	}
	return nil
}

func attr(n *html.Node, key string) string {
	if n == nil {
		return ""
	}
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

func hasAttr(n *html.Node, key string) bool {
	for _, a := range n.Attr {
		if a.Key == key {
			return true
		}
	}
	return false
}

// onHandler reports whether any element carries an inline event handler.
func onHandler(doc *html.Node) bool {
	found := false
	walk(doc, func(n *html.Node) {
		for _, a := range n.Attr {
			if strings.HasPrefix(strings.ToLower(a.Key), "on") {
				found = true
			}
		}
	})
	return found
}

// submitButton is the form's first button that submits it.
func submitButton(form *html.Node) *html.Node {
	for _, b := range all(form, "button") {
		if attr(b, "type") == "" || attr(b, "type") == "submit" {
			return b
		}
	}
	return nil
}

// contains reports whether n is root or below it.
func contains(root, n *html.Node) bool {
	for ; n != nil; n = n.Parent {
		if n == root {
			return true
		}
	}
	return false
}

func inForm(n *html.Node) bool {
	for p := n.Parent; p != nil; p = p.Parent {
		if p.Type == html.ElementNode && p.Data == "form" {
			return true
		}
	}
	return false
}

// byID returns the element with the given id, or nil.
func byID(root *html.Node, id string) *html.Node {
	var found *html.Node
	walk(root, func(n *html.Node) {
		if found == nil && n.Type == html.ElementNode && attr(n, "id") == id {
			found = n
		}
	})
	return found
}

func hasHidden(form *html.Node, name, value string) bool {
	for _, in := range all(form, "input") {
		if attr(in, "type") == "hidden" && attr(in, "name") == name && attr(in, "value") == value {
			return true
		}
	}
	return false
}

func text(n *html.Node) string {
	var sb strings.Builder
	walk(n, func(c *html.Node) {
		if c.Type == html.TextNode {
			sb.WriteString(c.Data)
		}
	})
	return sb.String()
}

// TestFieldsInErrorPointAtTheAlert: after a failed POST the fields the
// message is about carry aria-invalid and name the alert (id="error") in
// aria-describedby, before their hint; the others do not; the title starts
// with "Error: ".
func TestFieldsInErrorPointAtTheAlert(t *testing.T) {
	r := newRenderer(t)
	setup := func(m Message) any {
		return SetupPage{Base: Base{Error: m, MinPasswordLength: 12}, QuestionEnabled: true}
	}
	setupFields := []string{"new_password", "new_password_confirm", "question", "answer", "answer_confirm"}
	cases := []struct {
		name    string
		page    any
		fields  []string // all checked fields
		invalid []string // those that must be marked
	}{
		{"otp", OTPPage{Base: Base{Error: MsgCodeInvalid}}, []string{"code"}, []string{"code"}},
		{"question", QuestionPage{Base: Base{Error: MsgSignInFailed}, Question: "first_pet"}, []string{"answer"}, []string{"answer"}},
		{"enroll-proof", EnrollProofPage{Base: Base{Error: MsgProofInvalid}}, []string{"proof"}, []string{"proof"}},
		{"reset", ResetPage{Base: Base{Error: MsgRecoveryCodeInvalid}, RecoveryAllowed: true}, []string{"recovery_code"}, []string{"recovery_code"}},
		{"enroll code", EnrollPage{Base: Base{Error: MsgCodeInvalid}, SetupKey: "K"}, []string{"app", "code"}, []string{"code"}},
		{"enroll app", EnrollPage{Base: Base{Error: MsgAppRequired}, SetupKey: "K"}, []string{"app", "code"}, []string{"app"}},
		{"enroll restarted", EnrollPage{Base: Base{Error: MsgEnrollRestarted}, SetupKey: "K"}, []string{"app", "code"}, nil},
		{"setup mismatch", setup(MsgPasswordMismatch), setupFields, []string{"new_password", "new_password_confirm"}},
		{"setup short", setup(MsgPasswordTooShort), setupFields, []string{"new_password"}},
		{"setup question", setup(MsgQuestionRequired), setupFields, []string{"question"}},
		{"setup answers", setup(MsgAnswerMismatch), setupFields, []string{"answer", "answer_confirm"}},
		{"setup answer short", setup(MsgAnswerTooShort), setupFields, []string{"answer"}},
	}
	for _, c := range cases {
		out := render(t, r, c.page)
		doc := parse(t, out)
		if byID(doc, "error") == nil || attr(byID(doc, "error"), "role") != "alert" {
			t.Errorf("%s: no role=alert element with id=error", c.name)
		}
		if title := text(first(doc, "title")); !strings.HasPrefix(title, "Error: ") {
			t.Errorf("%s: title %q does not start with the error prefix", c.name, title)
		}
		for _, id := range c.fields {
			n := byID(doc, id)
			if n == nil {
				t.Fatalf("%s: no #%s", c.name, id)
			}
			want := slices.Contains(c.invalid, id)
			described := strings.HasPrefix(attr(n, "aria-describedby"), "error")
			if (attr(n, "aria-invalid") == "true") != want || described != want {
				t.Errorf("%s: #%s aria-invalid=%q aria-describedby=%q, want marked=%v", c.name, id,
					attr(n, "aria-invalid"), attr(n, "aria-describedby"), want)
			}
		}
	}
	// Without an error nothing is marked and the title is plain.
	doc := parse(t, render(t, r, OTPPage{Base: Base{Lang: "ja"}}))
	if hasAttr(byID(doc, "code"), "aria-invalid") || hasAttr(byID(doc, "code"), "aria-describedby") {
		t.Errorf("otp without error: code marked")
	}
	if title := text(first(doc, "title")); strings.Contains(title, "エラー") {
		t.Errorf("title %q without an error", title)
	}
}

// TestCountedRetry: a wrong second-factor code says how many tries are
// left when the handler counts them, and falls back to the plain text.
func TestCountedRetry(t *testing.T) {
	r, err := New()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		lang string
		left int
		want string
	}{
		{"en", 3, "Tries left before your account is locked: 3."},
		{"ja", 2, "あと2回失敗すると、アカウントがロックされます。"},
		{"en", 0, "Check that your phone"},
	} {
		var sb strings.Builder
		page := OTPPage{Base: Base{Lang: tc.lang, Error: MsgCodeInvalid, TriesLeft: tc.left,
			AuthRequestID: "A", CSRF: "c"}, ResetURL: "/login/reset?authRequestID=A"}
		if err := r.Render(&sb, page); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(sb.String(), tc.want) || (tc.left == 0 && strings.Contains(sb.String(), "Tries left")) {
			t.Errorf("%s, %d left: page lacks %q", tc.lang, tc.left, tc.want)
		}
	}
}

// TestTriesLeftNeverBorrowsAnotherNumber: a wrong enrollment verification
// code is not counted toward the lock, so its message states no tries left
// (it once showed the minimum password length, 12, as the tries left); the
// password-length message still shows the length.
func TestTriesLeftNeverBorrowsAnotherNumber(t *testing.T) {
	r, err := New()
	if err != nil {
		t.Fatal(err)
	}
	for _, lang := range []string{"en", "ja"} {
		var sb strings.Builder
		page := EnrollPage{Base: Base{Lang: lang, Error: MsgCodeInvalid, MinPasswordLength: 12, AuthRequestID: "A", CSRF: "c"},
			SetupKey: "ABCD EFGH", OTPAuthURI: "otpauth://totp/x", QRCode: "data:image/png;base64,AA=="}
		if err := r.Render(&sb, page); err != nil {
			t.Fatal(err)
		}
		if alert := alertText(sb.String()); alert == "" || strings.Contains(alert, "12") ||
			strings.Contains(alert, "Tries left") || strings.Contains(alert, "アカウントがロックされます") {
			t.Errorf("%s: an uncounted enrollment code's alert %q claims tries left", lang, alert)
		}
		sb.Reset()
		setup := SetupPage{Base: Base{Lang: lang, Error: MsgPasswordTooShort, MinPasswordLength: 12, TriesLeft: 3, AuthRequestID: "A", CSRF: "c"}}
		if err := r.Render(&sb, setup); err != nil {
			t.Fatal(err)
		}
		if alert := alertText(sb.String()); !strings.Contains(alert, "12") {
			t.Errorf("%s: the password-length alert %q lost its number", lang, alert)
		}
	}
}

// alertText is the content of a rendered page's role="alert" element.
func alertText(body string) string {
	_, rest, ok := strings.Cut(body, `role="alert"`)
	if !ok {
		return ""
	}
	_, rest, _ = strings.Cut(rest, ">")
	text, _, _ := strings.Cut(rest, "</p>")
	return text
}
