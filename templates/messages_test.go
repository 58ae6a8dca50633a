package templates

import (
	"strings"
	"testing"
)

func TestEveryMessageTranslated(t *testing.T) {
	r := newRenderer(t)
	seen := map[Message]bool{}
	for _, m := range AllMessages {
		if seen[m] {
			t.Errorf("%q listed twice in AllMessages", m)
		}
		seen[m] = true
		checkTranslated(t, string(m), r.Text("en", m), r.Text("ja", m))
	}
	for k := range messageTexts {
		if !strings.HasSuffix(k, ".plain") && !seen[Message(k)] {
			t.Errorf("text %q has no Message in AllMessages", k)
		}
	}
	if got := r.Text("fr", MsgNotFound); got != r.Text("en", MsgNotFound) {
		t.Errorf("unsupported language should fall back to English, got %q", got)
	}
}

func TestEveryQuestionTranslated(t *testing.T) {
	r := newRenderer(t)
	for _, q := range Questions {
		if !QuestionKnown(q) {
			t.Errorf("QuestionKnown(%q) = false", q)
		}
		checkTranslated(t, q, r.cat.text("en", q), r.cat.text("ja", q))
	}
	if len(questionTexts) != len(Questions) {
		t.Errorf("%d question texts for %d questions", len(questionTexts), len(Questions))
	}
	for _, bad := range []string{"", "FIRST_PET", "sign_in_failed", "first_pet "} {
		if QuestionKnown(bad) {
			t.Errorf("QuestionKnown(%q) = true", bad)
		}
	}
}

func TestEveryUITextTranslated(t *testing.T) {
	for k, e := range uiTexts {
		checkTranslated(t, k, e.en, e.ja)
	}
	if _, err := allTexts(); err != nil {
		t.Error(err)
	}
}

func checkTranslated(t *testing.T, key, en, ja string) {
	t.Helper()
	if en == "" || ja == "" || en == ja || en == key || ja == key {
		t.Errorf("%q: en=%q ja=%q", key, en, ja)
	}
	if strings.Contains(en, "%!") || strings.Contains(ja, "%!") {
		t.Errorf("%q: formatting artefact: en=%q ja=%q", key, en, ja)
	}
}

func TestPasswordTooShortTakesLength(t *testing.T) {
	r := newRenderer(t)
	if got := r.cat.text("en", string(MsgPasswordTooShort), 12); got != "The new password must be at least 12 characters long." {
		t.Errorf("got %q", got)
	}
	if got := r.Text("en", MsgPasswordTooShort); strings.Contains(got, "%") {
		t.Errorf("Text without a length = %q", got)
	}
}
