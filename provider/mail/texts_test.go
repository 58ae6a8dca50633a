package mail_test

import (
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/otpgate/otpgate/provider/mail"
)

func TestTexts(t *testing.T) {
	at := time.Unix(1_700_000_000, 0).In(time.FixedZone("JST", 9*3600))
	const stamp = "2023-11-14 22:13 UTC"
	tests := []struct {
		name string
		m    mail.Message
		want []string // in the body, besides both languages
	}{
		{"reset link", mail.ResetLink("a@example.com", testLink, 15*time.Minute),
			[]string{testLink, "works once", "15 minutes", "15分後", "administrator", "管理者"}},
		{"reset link, one minute", mail.ResetLink("a@example.com", testLink, 40*time.Second),
			[]string{testLink, "1 minute.", "1分後"}},
		{"proof link", mail.ProofLink("a@example.com", testLink, 10*time.Minute),
			[]string{testLink, "browser where you\nare signing in", "password and security answer", "10 minutes", "秘密の質問"}},
		{"first device link", mail.FirstDeviceLink("a@example.com", testLink, 10*time.Minute),
			[]string{testLink, "set up two-factor authentication", "二要素認証", "10 minutes", "10分後"}},
		{"enrollment link", mail.EnrollLink("a@example.com", testLink, 15*time.Minute),
			[]string{testLink, "same\nbrowser", "do not open the link", "15分後", "二要素認証", "秘密の質問の答え"}},
		{"device reset", mail.DeviceReset("a@example.com", at),
			[]string{stamp, "reset", "contact your administrator now", "直ちに管理者にご連絡ください"}},
		{"device enrolled", mail.DeviceEnrolled("a@example.com", "Google\r\nAuthenticator", at),
			[]string{"(Google Authenticator)", "（Google Authenticator）", stamp}},
		{"device enrolled, unknown app", mail.DeviceEnrolled("a@example.com", "", at),
			[]string{"A new authenticator app was set up", "新しい認証アプリが設定"}},
		{"account locked", mail.AccountLocked("a@example.com", at),
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
