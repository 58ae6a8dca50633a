package templates

import (
	"slices"
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

func TestTwoFactorMessages(t *testing.T) {
	r := newRenderer(t)
	want := map[Message]string{
		MsgCodeMalformed:       "Enter the 6-digit code from your authenticator app.",
		MsgCodeInvalid:         "That code didn't work. Check that your phone's time is correct and enter the newest code.",
		MsgEnrollRestarted:     "Too many wrong codes, or the setup key expired. We made a new one: scan the new QR code and try again.",
		MsgAppRequired:         "Choose the app you installed.",
		MsgRecoveryCodeInvalid: "That recovery code is not valid or was already used.",
		MsgProofInvalid:        "That enrollment code is not valid or has expired. Ask your administrator for a new one.",
		MsgAccountLocked:       "Your account is locked because of too many failed passcode entries. Contact your administrator.",
		MsgLinkInvalid:         "This link is not valid, was already used, or has expired.",
	}
	for m, en := range want {
		if !slices.Contains(AllMessages, m) {
			t.Errorf("%q not in AllMessages", m)
		}
		if got := r.Text("en", m); got != en {
			t.Errorf("%q: en = %q, want %q", m, got, en)
		}
	}
	if got := r.Text("ja", MsgAccountLocked); got != "ワンタイムパスワードの誤入力が規定の回数に達したため、アカウントがロックされています。管理者にお問い合わせください。" {
		t.Errorf("locked (ja) = %q", got)
	}
}

func TestApps(t *testing.T) {
	r := newRenderer(t)
	ids := map[string]bool{}
	for _, a := range Apps {
		if ids[a.ID] {
			t.Errorf("app %q listed twice", a.ID)
		}
		ids[a.ID] = true
		if !AppKnown(a.ID) {
			t.Errorf("AppKnown(%q) = false", a.ID)
		}
		// Each tested app names its Android and iPhone store pages.
		var platforms []string
		for _, d := range a.Downloads {
			platforms = append(platforms, d.Platform)
			if !strings.HasPrefix(d.URL, "https://") {
				t.Errorf("%s: download URL %q is not https", a.ID, d.URL)
			}
		}
		if got := strings.Join(platforms, ","); got != "Android,iPhone" && a.ID != "other" {
			t.Errorf("%s: platforms %q, want Android and iPhone", a.ID, got)
		}
		if name := AppName("en", a.ID); name == "" || name == a.ID {
			t.Errorf("AppName(en, %q) = %q", a.ID, name)
		}
		if (a.Name == "") != (a.ID == "other") {
			t.Errorf("%s: only \"other\" has a translated name", a.ID)
		}
	}
	if AppName("ja", "other") != "その他の TOTP アプリ" || AppName("en", "google-authenticator") != "Google Authenticator" || AppName("en", "gone") != "" {
		t.Errorf("AppName: %q %q %q", AppName("ja", "other"), AppName("en", "google-authenticator"), AppName("en", "gone"))
	}
	if Apps[len(Apps)-1].ID != "other" {
		t.Errorf("\"other\" is not the last app")
	}
	for _, bad := range []string{"", "Other", "authy ", "first_pet"} {
		if AppKnown(bad) {
			t.Errorf("AppKnown(%q) = true", bad)
		}
	}
	if en, ja := r.cat.text("en", "app.other"), r.cat.text("ja", "app.other"); en != "Another TOTP app" || ja != "その他の TOTP アプリ" {
		t.Errorf("other app name: en=%q ja=%q", en, ja)
	}
}
