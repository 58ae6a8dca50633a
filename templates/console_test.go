package templates

import (
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"
)

// TestEveryConsoleTextTranslated: both languages, no artefacts.
func TestEveryConsoleTextTranslated(t *testing.T) {
	for _, table := range []map[string]entry{portalTexts, consoleTexts} {
		for k, e := range table {
			checkTranslated(t, k, e.en, e.ja)
		}
	}
}

// consolePages are the console's pages filled as the handlers fill them,
// with their data-step.
var consolePages = map[string]func(b Base) any{
	"console-users": func(b Base) any {
		return ConsoleUsersPage{Base: b, Nav: consoleNav, Flash: MsgConsoleUnlocked, Query: "e", Locked: true,
			Users: []ConsoleUser{{Username: "erin", PathName: "erin", Locked: true, RequireMFA: true}, {Username: "ada", PathName: "ada", Admin: true}}}
	},
	"console-user": func(b Base) any {
		return ConsoleUserPage{Base: b, Nav: consoleNav, User: ConsoleUserDetail{Username: "erin", PathName: "erin", PasscodeLocked: true, PasscodeFailures: 5},
			Device: &ConsoleDevice{App: "authy", RecoveryCodesLeft: 9}, Sessions: []ConsoleSession{{Handle: "0123456789abcdef"}},
			Events: []ConsoleEvent{{Event: "admin.user", Actor: "console:ada"}}}
	},
	"console-enrollment-code": func(b Base) any {
		return ConsoleCodePage{Base: b, Nav: consoleNav, Username: "erin", PathName: "erin", Code: "abcd-efgh-jkmn", HadDevice: true}
	},
	"console-clients": func(b Base) any {
		return ConsoleClientsPage{Base: b, Nav: consoleNav, Clients: []ConsoleClientRow{{ID: "app", PathID: "app"}}, New: ConsoleNewClient{ID: "x", Field: "id"}}
	},
	"console-client": func(b Base) any {
		return ConsoleClientPage{Base: b, Nav: consoleNav, RememberDays: 30, Client: ConsoleClient{ID: "app", PathID: "app", Editable: true,
			CanRemember: true, RememberBrowser: true,
			RedirectURIs: []string{"https://a.example/cb"}, PostLogoutURIs: []string{"https://a.example/bye"}}}
	},
	"console-client-secret": func(b Base) any {
		return ConsoleSecretPage{Base: b, Nav: consoleNav, ClientID: "app", PathID: "app", Secret: "s3cret"}
	},
	"console-client-remove": func(b Base) any {
		return ConsoleRemoveClientPage{Base: b, Nav: consoleNav, ClientID: "app", PathID: "app"}
	},
	"console-keys": func(b Base) any {
		return ConsoleKeysPage{Base: b, Nav: consoleNav, Keys: []ConsoleKey{{ID: "k1", State: "console.key.signing"}}}
	},
	"console-audit": func(b Base) any {
		return ConsoleAuditPage{Base: b, Nav: consoleNav, Events: []ConsoleEvent{{Event: "e"}}, Older: "/admin/audit?cursor=c"}
	},
}

// TestConsolePages: every console page in both languages: its data-step,
// one h1 and no skipped heading level, a label for every input, tables
// with a caption and scoped headers (scrolling in a labelled, focusable
// region), the CSRF token in every POST form, the current section marked
// in the navigation, no inline style or script, no untranslated key.
func TestConsolePages(t *testing.T) {
	r := newRenderer(t)
	texts, _ := allTexts()
	for step, make := range consolePages {
		for _, lang := range Languages {
			t.Run(step+"/"+lang, func(t *testing.T) {
				b := Base{Lang: lang, CSRF: "tok-123", SwitchLang: "/admin?lang=x"}
				out := render(t, r, make(b))
				doc, err := html.Parse(strings.NewReader(out))
				if err != nil {
					t.Fatal(err)
				}
				if got := attr(first(doc, "body"), "data-step"); got != step {
					t.Errorf("data-step %q", got)
				}
				if len(all(doc, "h1")) != 1 {
					t.Errorf("%d h1", len(all(doc, "h1")))
				}
				level := 1
				walk(doc, func(n *html.Node) {
					if n.Type == html.ElementNode && len(n.Data) == 2 && n.Data[0] == 'h' && n.Data[1] >= '1' && n.Data[1] <= '6' {
						l := int(n.Data[1] - '0')
						if l > level+1 {
							t.Errorf("heading %s after h%d", n.Data, level)
						}
						level = l
					}
				})
				labels := map[string]bool{}
				for _, l := range all(doc, "label") {
					labels[attr(l, "for")] = true
				}
				for _, n := range append(all(doc, "input"), all(doc, "select")...) {
					if attr(n, "type") != "hidden" && !labels[attr(n, "id")] {
						t.Errorf("%s name=%q has no label", n.Data, attr(n, "name"))
					}
				}
				for _, tb := range all(doc, "table") {
					if len(all(tb, "caption")) != 1 {
						t.Error("table without a caption")
					}
					for _, th := range all(tb, "th") {
						if attr(th, "scope") == "" {
							t.Errorf("th %q without scope", text(th))
						}
					}
					if w := tb.Parent; w == nil || attr(w, "tabindex") != "0" || attr(w, "aria-labelledby") == "" {
						t.Error("table not in a focusable, labelled scrolling region")
					}
				}
				for _, f := range all(doc, "form") {
					if attr(f, "method") == "post" && !hasHidden(f, "csrf", "tok-123") {
						t.Errorf("form %s without the csrf field", attr(f, "action"))
					}
				}
				current := 0
				for _, a := range all(doc, "a") {
					if attr(a, "aria-current") == "page" {
						current++
					}
				}
				if strings.HasPrefix(step, "console-") && current != 1 {
					t.Errorf("%d links marked current", current)
				}
				if len(all(doc, "style")) > 0 || strings.Contains(out, " style=") || onHandler(doc) || len(all(doc, "script")) != 1 {
					t.Error("inline style or script")
				}
				for k := range texts {
					if strings.HasPrefix(k, "console.") && strings.Contains(out, k) {
						t.Errorf("untranslated key %q", k)
					}
				}
			})
		}
	}
}

// consoleNav is the navigation bar of the sample pages.
var consoleNav = PortalNav{Site: "console", Section: "clients", Username: "ada"}

// TestConsoleUnlockEmphasis: the user page's Unlock is the primary action
// only while a lock is in force; on an unlocked account it is a secondary
// button like the others (it still clears a failure count).
func TestConsoleUnlockEmphasis(t *testing.T) {
	r := newRenderer(t)
	for _, tc := range []struct {
		name    string
		user    ConsoleUserDetail
		primary bool
	}{
		{"passcode lock", ConsoleUserDetail{PasscodeLocked: true}, true},
		{"password lock", ConsoleUserDetail{LockedUntil: StampOf(time.Date(2026, 12, 3, 7, 0, 0, 0, time.UTC))}, true},
		{"not locked", ConsoleUserDetail{PasscodeFailures: 2}, false},
	} {
		tc.user.Username, tc.user.PathName = "erin", "erin"
		out := render(t, r, ConsoleUserPage{Base: Base{Lang: "en", CSRF: "tok"}, Nav: consoleNav, User: tc.user})
		doc, err := html.Parse(strings.NewReader(out))
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, f := range all(doc, "form") {
			if attr(f, "action") != "/admin/users/erin/unlock" {
				continue
			}
			found = true
			b := first(f, "button")
			if got := attr(b, "class") != "secondary"; got != tc.primary {
				t.Errorf("%s: Unlock primary = %v, want %v", tc.name, got, tc.primary)
			}
		}
		if !found {
			t.Errorf("%s: no Unlock form", tc.name)
		}
	}
}

// TestStampsInZoneAndLanguage: pages write a moment in the renderer's
// zone, as each language writes it; the <time datetime> stays UTC.
func TestStampsInZoneAndLanguage(t *testing.T) {
	tokyo, err := time.LoadLocation("Asia/Tokyo")
	if err != nil {
		t.Skip("no time zone database:", err)
	}
	at := time.Date(2026, 12, 3, 7, 14, 0, 0, time.UTC)
	for _, tc := range []struct {
		zone       *time.Location
		lang, want string
	}{
		{nil, "en", "2026-12-03 07:14 UTC"},
		{nil, "ja", "2026年12月3日 07:14（UTC）"},
		{tokyo, "en", "2026-12-03 16:14 JST"},
		{tokyo, "ja", "2026年12月3日 16:14（JST）"},
	} {
		r, err := NewBranded(Brand{Zone: tc.zone})
		if err != nil {
			t.Fatal(err)
		}
		page := ConsoleUserPage{Base: Base{Lang: tc.lang, CSRF: "tok"}, Nav: consoleNav,
			User: ConsoleUserDetail{Username: "erin", PathName: "erin", LockedUntil: StampOf(at)}}
		out := render(t, r, page)
		if !strings.Contains(out, `<time datetime="2026-12-03T07:14:00Z">`+tc.want+`</time>`) {
			t.Errorf("%v %s: no %q in\n%s", tc.zone, tc.lang, tc.want, out)
		}
	}
	if got := when(Stamp{}, "en", tokyo); got != "" {
		t.Errorf("the zero Stamp: %q", got)
	}
}

// TestBrowserLabel: a remembered browser's label as each language writes
// it; a label of another form is left as it is.
func TestBrowserLabel(t *testing.T) {
	cat, err := newCatalogue()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ lang, label, want string }{
		{"en", "Chrome on Linux", "Chrome on Linux"},
		{"ja", "Chrome on Linux", "Linux の Chrome"},
		{"ja", "Firefox on another system", "その他のシステムのFirefox"},
		{"ja", "Browser on iPhone", "iPhone の ブラウザー"},
		{"ja", "Browser on another system", "その他のシステムのブラウザー"},
		{"ja", "something else", "something else"},
	} {
		if got := browserLabel(cat, tc.lang, tc.label); got != tc.want {
			t.Errorf("%s %q: %q, want %q", tc.lang, tc.label, got, tc.want)
		}
	}
}
