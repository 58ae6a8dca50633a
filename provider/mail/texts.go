package mail

import (
	"fmt"
	"strings"
	"time"
)

// The mails' texts. Each mail is written in the reader's language (the
// language of their last sign-in, or the configured default), with times
// in the reader's zone and durations in minutes, hours or days; a Locale
// without a language writes both, English first. A link always stands
// alone on its own line, so mail clients make it clickable whole.

const (
	separator = "\n\n------------------------------------------------------------\n\n"
	footerEN  = "This is an automatic message from otpgate; replies are not read."
	footerJA  = "このメールは otpgate から自動送信されています。ご返信いただいても内容は確認されませんので、ご了承ください。"
)

// Locale is how a mail speaks to its reader.
type Locale struct {
	Lang string         // "en" or "ja"; anything else writes both languages
	Zone *time.Location // times are shown in it; nil is UTC
	// Product replaces "otpgate" in the subject and the text ("" keeps it).
	Product string
}

// For is loc for a reader whose language is lang: theirs when known (a
// sign-in recorded it), else loc's default.
func (loc Locale) For(lang string) Locale {
	if lang != "" {
		loc.Lang = lang
	}
	return loc
}

// message builds the mail in loc's language: one subject and one body, or
// both of each, English first, when the language is unknown.
func (loc Locale) message(to, subjectEN, subjectJA, en, ja string) Message {
	m := loc.compose(to, subjectEN, subjectJA, en, ja)
	if loc.Product != "" && loc.Product != "otpgate" {
		m.Subject = strings.ReplaceAll(m.Subject, "otpgate", loc.Product)
		m.Text = strings.ReplaceAll(m.Text, "otpgate", loc.Product)
	}
	return m
}

func (loc Locale) compose(to, subjectEN, subjectJA, en, ja string) Message {
	switch loc.Lang {
	case "en":
		return Message{To: to, Subject: subjectEN, Text: en + "\n\n" + footerEN + "\n"}
	case "ja":
		return Message{To: to, Subject: subjectJA, Text: ja + "\n\n" + footerJA + "\n"}
	}
	return Message{To: to, Subject: subjectEN + " / " + strings.TrimPrefix(subjectJA, "otpgate: "),
		Text: en + "\n\n" + footerEN + separator + ja + "\n\n" + footerJA + "\n"}
}

func (loc Locale) zone() *time.Location {
	if loc.Zone == nil {
		return time.UTC
	}
	return loc.Zone
}

// stampEN formats at in the reader's zone, e.g. "2026-12-02 09:13 JST".
func (loc Locale) stampEN(at time.Time) string {
	return at.In(loc.zone()).Format("2006-01-02 15:04 MST")
}

// stampJA formats at in the reader's zone, e.g. "2026年12月2日 09:13（JST）".
func (loc Locale) stampJA(at time.Time) string {
	return at.In(loc.zone()).Format("2006年1月2日 15:04（MST）")
}

// span is a duration as a person reads it: whole days from two days on,
// whole hours from two hours on, else minutes (at least one).
func span(d time.Duration) (n int, unit string) {
	switch {
	case d >= 48*time.Hour:
		return int((d + 12*time.Hour) / (24 * time.Hour)), "day"
	case d >= 2*time.Hour:
		return int((d + 30*time.Minute) / time.Hour), "hour"
	}
	return int(max(d.Round(time.Minute), time.Minute) / time.Minute), "minute"
}

// durationEN is d in English, e.g. "15 minutes", "3 days".
func durationEN(d time.Duration) string {
	n, unit := span(d)
	if n == 1 {
		return "1 " + unit
	}
	return fmt.Sprintf("%d %ss", n, unit)
}

// durationJA is d in Japanese, e.g. "15分", "3日".
func durationJA(d time.Duration) string {
	n, unit := span(d)
	return fmt.Sprintf("%d%s", n, map[string]string{"day": "日", "hour": "時間", "minute": "分"}[unit])
}

// SignInLink is the mail a user asks for at the password step after too
// many failed sign-ins from browsers the account has not signed in with.
func SignInLink(to, link string, valid time.Duration, loc Locale) Message {
	en := fmt.Sprintf(`Many sign-in attempts to your otpgate account failed in browsers you
have not signed in with before, so such browsers now need this link.
To continue signing in, open it in the browser where you asked for it:

%s

The link works once and expires in %s. Browsers you signed in with
before are not affected.

If you did not ask for this, ignore this mail: someone may be guessing
your password. Tell your administrator.`, link, durationEN(valid))
	ja := fmt.Sprintf(`otpgate アカウントで、これまでサインインに使用されたことのないブラウザーからの
サインインの失敗が続いたため、そのようなブラウザーでは次のリンクが必要になりました。
サインインを続けるには、リンクを申請したブラウザーで開いてください。

%s

このリンクは1回のみ使用でき、%s後に有効期限が切れます。
以前にサインインしたことのあるブラウザーは影響を受けません。

お心当たりがない場合は、このメールを破棄してください。第三者がパスワードを
推測しようとしている可能性がありますので、管理者にお知らせください。`, link, durationJA(valid))
	return loc.message(to, "otpgate: sign-in link", "otpgate: サインイン用のリンク", en, ja)
}

// ResetLink is the mail a user asks for at sign-in when the device is lost:
// the link proves they hold the mailbox and lets them set up a new device.
func ResetLink(to, link string, valid time.Duration, loc Locale) Message {
	en := fmt.Sprintf(`Someone, hopefully you, asked to reset the authenticator device of your
otpgate account. To continue, open this link in the browser where you
asked for it:

%s

The link works once and expires in %s. Opened in another browser (on
your phone, say), it shows a code instead: type that code on the page
where you asked for the link.

If you did not ask for this, ignore this mail and tell your administrator:
the request could only be made with your password, so someone else may
know it.`, link, durationEN(valid))
	ja := fmt.Sprintf(`otpgate アカウントの認証デバイスのリセットが申請されました。
続行するには、リンクを申請したブラウザーで次のリンクを開いてください。

%s

このリンクは1回のみ使用でき、%s後に有効期限が切れます。
別のブラウザー（スマートフォンなど）で開くとコードが表示されますので、
リンクを申請したページにそのコードを入力してください。

お心当たりがない場合は、このメールを破棄し、管理者にお知らせください。
この申請はパスワードを知っている人しか行えないため、パスワードが第三者に
知られている可能性があります。`, link, durationJA(valid))
	return loc.message(to, "otpgate: reset your device", "otpgate: デバイスのリセット", en, ja)
}

// EnrollLink is the mail that proves a person holds the account's mailbox
// before they set up their first authenticator device
// (mfa.enrollment_proof = email). The link works in the browser that asked.
func EnrollLink(to, link string, valid time.Duration, loc Locale) Message {
	en := fmt.Sprintf(`Someone, hopefully you, is setting up two-factor authentication for your
otpgate account. To confirm that it is you, open this link in the same
browser:

%s

The link works once and expires in %s.

If you did not ask for this, do not open the link, and tell your
administrator: the request could only be made with your password and
security answer, so someone else may know them.`, link, durationEN(valid))
	ja := fmt.Sprintf(`otpgate アカウントで二要素認証の設定が開始されました。
ご本人であることを確認するため、設定を開始したブラウザーで次のリンクを開いてください。

%s

このリンクは1回のみ使用でき、%s後に有効期限が切れます。

お心当たりがない場合は、リンクを開かずに管理者にお知らせください。
この操作はパスワードと秘密の質問の答えを知っている人しか行えないため、
これらが第三者に知られている可能性があります。`, link, durationJA(valid))
	return loc.message(to, "otpgate: confirm two-factor setup", "otpgate: 二要素認証の設定の確認", en, ja)
}

// ProofLink is the mail sent while a user signs in after an administrator
// reset their device: the link proves they hold the mailbox before they may
// set up a new device.
func ProofLink(to, link string, valid time.Duration, loc Locale) Message {
	en := fmt.Sprintf(`An administrator has reset the authenticator device of your otpgate
account. To set up a new device, open this link in the browser where you
are signing in, after you have entered your password and security answer:

%s

The link works once and expires in %s.

If you are not signing in right now, ignore this mail and tell your
administrator.`, link, durationEN(valid))
	ja := fmt.Sprintf(`管理者により、otpgate アカウントの認証デバイスがリセットされました。
新しいデバイスを設定するには、パスワードと秘密の質問の答えを入力した後、
サインイン中のブラウザーで次のリンクを開いてください。

%s

このリンクは1回のみ使用でき、%s後に有効期限が切れます。

現在サインインしていない場合は、このメールを破棄し、管理者にお知らせください。`, link, durationJA(valid))
	return loc.message(to, "otpgate: set up your new device", "otpgate: 新しいデバイスの設定", en, ja)
}

// FirstDeviceLink is the mail of an administrator's first-enrollment code
// (mfa.enrollment_proof = admin): the link lets the person set up their
// first device while they sign in.
func FirstDeviceLink(to, link string, valid time.Duration, loc Locale) Message {
	en := fmt.Sprintf(`An administrator has set up two-factor authentication for your otpgate
account. To set up your authenticator device, open this link in the
browser where you are signing in, after you have entered your password
and security answer:

%s

The link works once and expires in %s.

If you are not signing in right now, ignore this mail and tell your
administrator.`, link, durationEN(valid))
	ja := fmt.Sprintf(`管理者により、otpgate アカウントの二要素認証が設定されました。
認証デバイスを設定するには、パスワードと秘密の質問の答えを入力した後、
サインイン中のブラウザーで次のリンクを開いてください。

%s

このリンクは1回のみ使用でき、%s後に有効期限が切れます。

現在サインインしていない場合は、このメールを破棄し、管理者にお知らせください。`, link, durationJA(valid))
	return loc.message(to, "otpgate: set up your device", "otpgate: デバイスの設定", en, ja)
}

// DeviceReset tells a user their authenticator device was reset, by
// themselves or by an administrator.
func DeviceReset(to string, at time.Time, loc Locale) Message {
	en := fmt.Sprintf(`The authenticator device of your otpgate account was reset at %s.
Codes from the old device no longer work; a new device must be set up
before you can sign in.

If this wasn't you, contact your administrator now.`, loc.stampEN(at))
	ja := fmt.Sprintf(`%s に、otpgate アカウントの認証デバイスがリセットされました。
以前のデバイスのコードは使用できなくなりました。サインインするには、
新しいデバイスの設定が必要です。

お心当たりがない場合は、直ちに管理者にご連絡ください。`, loc.stampJA(at))
	return loc.message(to, "otpgate: your device was reset", "otpgate: デバイスがリセットされました", en, ja)
}

// DeviceEnrolled tells a user a new authenticator app was set up; app is the
// name they chose (e.g. "Google Authenticator"), or "" if unknown.
func DeviceEnrolled(to, app string, at time.Time, loc Locale) Message {
	app = strings.Join(strings.Fields(app), " ") // one line, whatever came in
	appEN, appJA := "A new authenticator app", "新しい認証アプリ"
	if app != "" {
		appEN += " (" + app + ")"
		appJA += "（" + app + "）"
	}
	en := fmt.Sprintf(`%s was set up for your otpgate account at %s.
From now on, signing in asks for a code from this app.

If this wasn't you, contact your administrator now.`, appEN, loc.stampEN(at))
	ja := fmt.Sprintf(`%s に、otpgate アカウントで%sが設定されました。
今後のサインインでは、このアプリに表示されるコードの入力が必要です。

お心当たりがない場合は、直ちに管理者にご連絡ください。`, loc.stampJA(at), appJA)
	return loc.message(to, "otpgate: new authenticator app set up", "otpgate: 認証アプリが設定されました", en, ja)
}

// AccountLocked tells a user their account was locked after too many wrong
// one-time passcodes; only an administrator can unlock it.
func AccountLocked(to string, at time.Time, loc Locale) Message {
	en := fmt.Sprintf(`Your otpgate account was locked at %s after too many incorrect
one-time passcodes. You cannot sign in until an administrator resets your
authenticator device.

Passcodes are asked only after the correct password and security answer,
so whoever typed them knows both. If that was not you, someone else knows
your password and your answer: tell your administrator. After the reset
you will be asked to choose a new password and a new answer.`, loc.stampEN(at))
	ja := fmt.Sprintf(`%s に、ワンタイムパスワードの誤入力が規定の回数に達したため、
otpgate アカウントがロックされました。管理者が認証デバイスをリセットするまで、
サインインできません。

ワンタイムパスワードは、正しいパスワードと秘密の質問の答えを入力した後にのみ
求められるため、入力した人はその両方を知っています。ご本人の操作でない場合は、
パスワードと秘密の質問の答えの両方が第三者に知られていますので、管理者に
お知らせください。リセット後に、新しいパスワードと新しい答えを設定していただきます。`, loc.stampJA(at))
	return loc.message(to, "otpgate: account locked", "otpgate: アカウントがロックされました", en, ja)
}
