package credential

import "testing"

func TestNormalizeAnswer(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"lower case unchanged", "tokyo", "tokyo"},
		{"title case folded", "Tokyo", "tokyo"},
		{"upper case folded", "TOKYO", "tokyo"},
		{"full-width Latin (NFKC)", "Ｔｏｋｙｏ", "tokyo"},
		{"full-width digits", "１９８４", "1984"},
		{"full-width digits and letters mixed", "Ｒｏｏｍ １０１", "room 101"},
		{"half-width katakana with handakuten", "ﾎﾟﾁ", "ポチ"},
		{"full-width katakana unchanged", "ポチ", "ポチ"},
		{"half-width katakana with dakuten", "ｶﾞｯｺｳ", "ガッコウ"},
		{"hiragana is not katakana", "ぽち", "ぽち"},
		{"ideographic space collapsed", "New\u3000York", "new york"},
		{"multiple spaces collapsed", "New   York", "new york"},
		{"tabs and newlines collapsed", "New\t\nYork", "new york"},
		{"leading and trailing space trimmed", "  tokyo \u3000", "tokyo"},
		{"no-break space collapsed", "New\u00a0York", "new york"},
		{"ligature expanded", "ﬁdo", "fido"},
		// Full case folding maps ß (and capital ẞ) to "ss", so every
		// spelling of Straße matches.
		{"German sharp s folds to ss", "Straße", "strasse"},
		{"German capital sharp s folds to ss", "STRAẞE", "strasse"},
		{"German ss spelling", "STRASSE", "strasse"},
		{"empty", "", ""},
		{"only spaces", " \u3000 ", ""},
	} {
		if got := NormalizeAnswer(tc.in); got != tc.want {
			t.Errorf("%s: NormalizeAnswer(%q) = %q, want %q", tc.name, tc.in, got, tc.want)
		}
	}
}

func TestNormalizeAnswerEquivalences(t *testing.T) {
	for _, group := range [][]string{
		{"Tokyo", "tokyo", "TOKYO", "Ｔｏｋｙｏ", "ＴＯＫＹＯ", " tokyo "},
		{"ﾎﾟﾁ", "ポチ"},
		{"New York", "new\u3000york", "NEW  YORK", "Ｎｅｗ　Ｙｏｒｋ"},
		{"Straße", "strasse", "STRASSE"},
	} {
		want := NormalizeAnswer(group[0])
		for _, in := range group[1:] {
			if got := NormalizeAnswer(in); got != want {
				t.Errorf("NormalizeAnswer(%q) = %q, want %q (same as %q)", in, got, want, group[0])
			}
		}
	}
	// Normalising is idempotent: a stored normalised answer normalises to itself.
	for _, in := range []string{"Ｔｏｋｙｏ", "ﾎﾟﾁ", "Straße", "ﬁ", "Ｎｅｗ　Ｙｏｒｋ"} {
		once := NormalizeAnswer(in)
		if twice := NormalizeAnswer(once); twice != once {
			t.Errorf("NormalizeAnswer not idempotent on %q: %q then %q", in, once, twice)
		}
	}
}
