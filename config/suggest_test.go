package config

import "testing"

func TestEditDistance(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want int
	}{
		{"", "", 0},
		{"", "abc", 3},
		{"smtp_host", "smtp_host", 0},
		{"smtp_hots", "smtp_host", 1}, // a swap of neighbours is one edit
		{"levl", "level", 1},
		{"secrte", "secret", 1},
		{"kitten", "sitting", 3},
		{"ca", "abc", 3}, // optimal string alignment: no edit of a swapped pair
		{"ログイン", "ログアウト", 3},
	} {
		if got := editDistance(tc.a, tc.b); got != tc.want {
			t.Errorf("editDistance(%q, %q) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
		if got := editDistance(tc.b, tc.a); got != tc.want {
			t.Errorf("editDistance(%q, %q) = %d, want %d", tc.b, tc.a, got, tc.want)
		}
	}
}

func TestClosest(t *testing.T) {
	keys := []string{"smtp_host", "smtp_port", "security", "username", "password", "from", "id"}
	for _, tc := range []struct{ name, want string }{
		{"smtp_hots", "smtp_host"},
		{"SMTP-Host", "smtp_host"},
		{"smtp_prot", "smtp_port"},
		{"fron", "from"}, // four letters: one edit
		{"frm", "from"},  // one edit
		{"fr", ""},       // two edits from "from": too far for its length
		{"usrnme", "username"},
		{"passwd", "password"},
		{"ip", "id"},
		{"host", ""},
		{"smtp", ""},
	} {
		got, ok := closest(tc.name, keys)
		if got != tc.want || ok != (tc.want != "") {
			t.Errorf("closest(%q) = %q, %v; want %q", tc.name, got, ok, tc.want)
		}
	}
}
