package templates

import (
	"bytes"
	"io/fs"
	"regexp"
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
	step   string
	action string // expected form action; "" for pages without a flow form
	flow   bool   // carries authRequestID
	post   bool   // has a POST form
	make   func(b Base) any
}

var samplePages = []samplePage{
	{"password", "/login/password", true, true, func(b Base) any { return PasswordPage{Base: b, Username: "alice"} }},
	{"setup", "/login/setup", true, true, func(b Base) any { return SetupPage{Base: b, QuestionEnabled: true, Question: "birth_city"} }},
	{"question", "/login/question", true, true, func(b Base) any { return QuestionPage{Base: b, Question: "first_pet"} }},
	{"error", "", false, false, func(b Base) any {
		return ErrorPage{Base: b, Status: 400, Message: MsgBadRequest, BackURL: "/login/next?authRequestID=r1"}
	}},
	{"logout", "/logout", false, true, func(b Base) any {
		return LogoutPage{Base: b, ClientName: "Wiki", Action: "/logout", PostLogoutRedirectURI: "https://app.example/bye", State: "s1", ClientID: "wiki"}
	}},
	{"logged-out", "", false, false, func(b Base) any { return LoggedOutPage{Base: b} }},
	{"demo", "", false, false, func(b Base) any {
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
				name := sp.step + "/" + lang
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
	if len(all(doc, "script")) > 0 || len(all(doc, "style")) > 0 || strings.Contains(out, " style=") {
		t.Errorf("inline script or style found")
	}

	forms := all(doc, "form")
	if sp.post != (len(forms) == 1) {
		t.Fatalf("forms = %d, want POST form: %v", len(forms), sp.post)
	}
	for _, f := range forms {
		if attr(f, "method") != "post" || attr(f, "action") != sp.action {
			t.Errorf("form method=%q action=%q, want post %q", attr(f, "method"), attr(f, "action"), sp.action)
		}
		if !hasHidden(f, "csrf", b.CSRF) {
			t.Errorf("form lacks hidden csrf input")
		}
		if sp.flow != hasHidden(f, "authRequestID", b.AuthRequestID) {
			t.Errorf("hidden authRequestID present = %v, want %v", !sp.flow, sp.flow)
		}
		var autofocus int
		for _, n := range append(all(f, "input"), append(all(f, "select"), all(f, "button")...)...) {
			if hasAttr(n, "autofocus") {
				autofocus++
			}
		}
		if autofocus != 1 {
			t.Errorf("autofocus on %d elements, want 1", autofocus)
		}
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
	if b.Error != "" || sp.step == "error" {
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
		ErrorPage{Base: b, BackURL: "javascript:alert(1)"},
		DemoPage{Base: b, SignedIn: true, Claims: `</pre>` + evil, Error: evil, Issuer: evil},
		LogoutPage{Base: b, Action: "javascript:alert(1)", State: evil},
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
	if !strings.Contains(out, "新しいパスワードは12文字以上にしてください。") {
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
