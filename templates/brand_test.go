package templates

import (
	"regexp"
	"strings"
	"testing"
)

// TestBrandCSSIsReadable: whatever primary colour an operator picks, the
// links and buttons it colours stay readable (WCAG AA, 4.5:1) on the
// light and the dark cards, with button text that reads on them.
func TestBrandCSSIsReadable(t *testing.T) {
	colour := regexp.MustCompile(`--(accent|accent-text): (#[0-9a-f]{6});`)
	for _, in := range []string{"#1f5fbf", "#ffff00", "#ffffff", "#000000", "#e60012", "#00a0e9", "#7f7f7f"} {
		css, err := BrandCSS(in)
		if err != nil {
			t.Fatal(err)
		}
		light, dark, ok := strings.Cut(string(css), "@media (prefers-color-scheme: dark)")
		if !ok {
			t.Fatalf("%s: no dark theme:\n%s", in, css)
		}
		for _, theme := range []struct {
			css  string
			card rgb
		}{{light, lightCard}, {dark, darkCard}} {
			got := map[string]rgb{}
			for _, m := range colour.FindAllStringSubmatch(theme.css, -1) {
				c, err := parseHex(m[2])
				if err != nil {
					t.Fatal(err)
				}
				got[m[1]] = c
			}
			if r := contrast(got["accent"], theme.card); r < 4.5 {
				t.Errorf("%s: accent %s on the card: contrast %.2f", in, got["accent"].hex(), r)
			}
			if r := contrast(got["accent-text"], got["accent"]); r < 4.5 {
				t.Errorf("%s: button text on %s: contrast %.2f", in, got["accent"].hex(), r)
			}
		}
	}
	for _, bad := range []string{"", "red", "#12345", "#1234567", "#gggggg"} {
		if _, err := BrandCSS(bad); err == nil {
			t.Errorf("BrandCSS(%q) accepted", bad)
		}
	}
}

// TestBrandedPages: the product's name replaces otpgate's in the title, the
// header and the texts; the logo and the colour stylesheet are linked only
// when configured.
func TestBrandedPages(t *testing.T) {
	r, err := NewBranded(Brand{Name: "Example Sign-in", Logo: true, Styled: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, lang := range Languages {
		out := render(t, r, LogoutPage{Base: Base{Lang: lang, CSRF: "c"}})
		if strings.Contains(strings.NewReplacer("/static/otpgate.", "").Replace(out), "otpgate") {
			t.Errorf("%s: otpgate still named:\n%s", lang, out)
		}
		for _, want := range []string{"– Example Sign-in</title>", `<img class="logo" src="/brand/logo" alt="" height="32">Example Sign-in</span>`,
			`<link rel="stylesheet" href="/brand.css">`, "Example Sign-in"} {
			if !strings.Contains(out, want) {
				t.Errorf("%s: page lacks %s", lang, want)
			}
		}
	}
	plain := render(t, newRenderer(t), LogoutPage{Base: Base{Lang: "en", CSRF: "c"}})
	if strings.Contains(plain, "/brand") || !strings.Contains(plain, `<span class="brand">otpgate</span>`) {
		t.Errorf("an unbranded page links branding:\n%s", plain)
	}
}

// TestShowPasswordToggles: each password field has a script-revealed
// toggle that names it and never submits.
func TestShowPasswordToggles(t *testing.T) {
	r := newRenderer(t)
	for _, page := range []any{PasswordPage{Base: Base{Lang: "en"}}, SetupPage{Base: Base{Lang: "ja"}, QuestionEnabled: true}} {
		doc := parse(t, render(t, r, page))
		var toggles int
		for _, b := range all(doc, "button") {
			if attr(b, "data-show") == "" {
				continue
			}
			toggles++
			if attr(b, "type") != "button" || !hasAttr(b, "hidden") || attr(b, "aria-pressed") != "false" || text(b) == "" {
				t.Errorf("%T: toggle %v", page, b.Attr)
			}
			for _, id := range strings.Fields(attr(b, "data-show")) {
				if in := byID(doc, id); in == nil || attr(in, "type") != "password" {
					t.Errorf("%T: toggle names %q, not a password field", page, id)
				}
			}
		}
		if toggles != 1 {
			t.Errorf("%T: %d show-password toggles, want 1", page, toggles)
		}
	}
}
