package templates

import (
	"strings"
	"testing"
)

func TestNegotiate(t *testing.T) {
	tests := []struct {
		name                           string
		explicit, uiLocales, acceptLng string
		want                           string
	}{
		{"default", "", "", "", "en"},
		{"explicit wins", "ja", "en", "en-US", "ja"},
		{"explicit region", "ja-JP", "", "", "ja"},
		{"explicit en over accept", "en", "", "ja", "en"},
		{"unsupported explicit ignored", "fr", "", "ja", "ja"},
		{"ui_locales first supported", "", "fr ja", "en", "ja"},
		{"ui_locales en", "", "en ja", "ja", "en"},
		{"ui_locales none supported", "", "fr de", "ja", "ja"},
		{"accept japanese", "", "", "ja-JP,ja;q=0.9", "ja"},
		{"accept weighted", "", "", "fr;q=0.9, ja;q=0.8, en;q=0.1", "ja"},
		{"accept german", "", "", "de", "en"},
		{"garbage", "<>;;", "\x00\xff", ";;;q=abc,,,*&^", "en"},
		{"garbage explicit", strings.Repeat("j", 10000), strings.Repeat("a ", 5000), strings.Repeat("ja,", 10000), "ja"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := Negotiate(tc.explicit, tc.uiLocales, tc.acceptLng); got != tc.want {
				t.Errorf("Negotiate(%q, %q, %q) = %q, want %q", tc.explicit, tc.uiLocales, tc.acceptLng, got, tc.want)
			}
		})
	}
}

func FuzzNegotiate(f *testing.F) {
	f.Add("ja", "fr ja", "ja-JP,ja;q=0.9")
	f.Add("", "", "de")
	f.Add("x-\xff", "und", "*;q=0")
	f.Fuzz(func(t *testing.T, explicit, ui, accept string) {
		got := Negotiate(explicit, ui, accept)
		if got != "en" && got != "ja" {
			t.Fatalf("Negotiate = %q", got)
		}
	})
}
