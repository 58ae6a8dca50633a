package mail_test

import (
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/otpgate/otpgate/provider/mail"
)

// both is a reader whose language is not known: both languages, UTC.
var both = mail.Locale{}

func TestTexts(t *testing.T) {
	at := time.Unix(1_700_000_000, 0).In(time.FixedZone("JST", 9*3600))
	const stamp = "2023-11-14 22:13 UTC"
	tests := []struct {
		name string
		m    mail.Message
		want []string // in the body, besides both languages
	}{
		{"reset link", mail.ResetLink("a@example.com", testLink, 15*time.Minute, both),
			[]string{testLink, "works once", "15 minutes", "15分後", "administrator", "管理者"}},
		{"reset link, one minute", mail.ResetLink("a@example.com", testLink, 40*time.Second, both),
			[]string{testLink, "1 minute.", "1分後"}},
		{"proof link", mail.ProofLink("a@example.com", testLink, 10*time.Minute, both),
			[]string{testLink, "browser where you\nare signing in", "password and security answer", "10 minutes", "秘密の質問"}},
		{"first device link", mail.FirstDeviceLink("a@example.com", testLink, 10*time.Minute, both),
			[]string{testLink, "set up two-factor authentication", "二要素認証", "10 minutes", "10分後"}},
		{"enrollment link", mail.EnrollLink("a@example.com", testLink, 15*time.Minute, both),
			[]string{testLink, "same\nbrowser", "do not open the link", "15分後", "二要素認証", "秘密の質問の答え"}},
		{"device reset", mail.DeviceReset("a@example.com", at, both),
			[]string{stamp, "reset", "contact your administrator now", "直ちに管理者にご連絡ください"}},
		{"device enrolled", mail.DeviceEnrolled("a@example.com", "Google\r\nAuthenticator", at, both),
			[]string{"(Google Authenticator)", "（Google Authenticator）", stamp}},
		{"device enrolled, unknown app", mail.DeviceEnrolled("a@example.com", "", at, both),
			[]string{"A new authenticator app was set up", "新しい認証アプリが設定"}},
		{"account locked", mail.AccountLocked("a@example.com", at, both),
			[]string{stamp, "locked", "too many incorrect", "ロックされました", "administrator",
				"someone else knows\nyour password and your answer", "パスワードと秘密の質問の答えの両方が第三者に", "choose a new password and a new answer"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := tc.m
			if m.To != "a@example.com" {
				t.Errorf("To = %q", m.To)
			}
			if !strings.HasPrefix(m.Subject, "otpgate: ") || !hasJapanese(m.Subject) || strings.ContainsAny(m.Subject, "\r\n") {
				t.Errorf("subject %q is not one bilingual line", m.Subject)
			}
			en, ja, ok := strings.Cut(m.Text, "-----")
			if !ok || hasJapanese(en) || !hasJapanese(ja) {
				t.Errorf("text is not English first, then Japanese:\n%s", m.Text)
			}
			if !strings.Contains(ja, "です") && !strings.Contains(ja, "ます") {
				t.Errorf("Japanese text is not polite:\n%s", ja)
			}
			for _, w := range tc.want {
				if !strings.Contains(m.Text, w) {
					t.Errorf("text lacks %q:\n%s", w, m.Text)
				}
			}
			if strings.Contains(m.Text, testLink) {
				// A link must stand alone on its line in both languages.
				if n := strings.Count(m.Text, "\n"+testLink+"\n"); n != 2 {
					t.Errorf("link stands alone %d times, want 2", n)
				}
			}
		})
	}
}

func hasJapanese(s string) bool {
	return strings.ContainsFunc(s, func(r rune) bool {
		return unicode.In(r, unicode.Hiragana, unicode.Katakana, unicode.Han)
	})
}

// TestTextsInTheReadersLanguage: a reader whose language is known gets one
// subject and one body in it, times in the configured zone, and durations
// in minutes, hours or days.
func TestTextsInTheReadersLanguage(t *testing.T) {
	tokyo, err := time.LoadLocation("Asia/Tokyo")
	if err != nil {
		t.Fatal(err)
	}
	at := time.Unix(1_700_000_000, 0) // 2023-11-14 22:13 UTC
	en, ja := mail.Locale{Lang: "en", Zone: tokyo}, mail.Locale{Lang: "ja", Zone: tokyo}
	tests := []struct {
		name   string
		en, ja mail.Message
		wantEN []string
		wantJA []string
	}{
		{"reset link, 15 minutes", mail.ResetLink("a@example.com", testLink, 15*time.Minute, en), mail.ResetLink("a@example.com", testLink, 15*time.Minute, ja),
			[]string{"expires in 15 minutes"}, []string{"15分後に有効期限が切れます"}},
		{"proof link, 3 days", mail.ProofLink("a@example.com", testLink, 72*time.Hour, en), mail.ProofLink("a@example.com", testLink, 72*time.Hour, ja),
			[]string{"expires in 3 days"}, []string{"3日後に有効期限が切れます"}},
		{"first device link, 5 hours", mail.FirstDeviceLink("a@example.com", testLink, 5*time.Hour, en), mail.FirstDeviceLink("a@example.com", testLink, 5*time.Hour, ja),
			[]string{"expires in 5 hours"}, []string{"5時間後"}},
		{"device enrolled", mail.DeviceEnrolled("a@example.com", "Microsoft Authenticator", at, en), mail.DeviceEnrolled("a@example.com", "Microsoft Authenticator", at, ja),
			[]string{"2023-11-15 07:13 JST", "(Microsoft Authenticator)"}, []string{"2023年11月15日 07:13（JST）", "（Microsoft Authenticator）"}},
		{"account locked", mail.AccountLocked("a@example.com", at, en), mail.AccountLocked("a@example.com", at, ja),
			[]string{"2023-11-15 07:13 JST"}, []string{"2023年11月15日 07:13（JST）"}},
	}
	for _, tc := range tests {
		for _, c := range []struct {
			lang string
			m    mail.Message
			want []string
		}{{"en", tc.en, tc.wantEN}, {"ja", tc.ja, tc.wantJA}} {
			m := c.m
			if strings.Contains(m.Subject, " / ") || strings.Count(m.Subject, "otpgate") != 1 || hasJapanese(m.Subject) != (c.lang == "ja") {
				t.Errorf("%s (%s): subject %q is not one subject in the reader's language", tc.name, c.lang, m.Subject)
			}
			if strings.Contains(m.Text, "-----") || hasJapanese(m.Text) != (c.lang == "ja") || strings.Contains(m.Text, "UTC") {
				t.Errorf("%s (%s): text is not in one language, in Tokyo time:\n%s", tc.name, c.lang, m.Text)
			}
			for _, w := range c.want {
				if !strings.Contains(m.Text, w) {
					t.Errorf("%s (%s): text lacks %q:\n%s", tc.name, c.lang, w, m.Text)
				}
			}
		}
	}
}
