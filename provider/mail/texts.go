package mail

import (
	"fmt"
	"strings"
	"time"
)

// The mails' texts. Each mail is English first, then Japanese, so every
// reader finds their language without a per-user setting. A link always
// stands alone on its own line, so mail clients make it clickable whole.
// Times are shown in UTC, marked as such: the sender does not know the
// reader's zone.

const (
	separator = "\n\n------------------------------------------------------------\n\n"
	footerEN  = "This is an automatic message from otpgate; replies are not read."
	footerJA  = "このメールは otpgate から自動送信されています。ご返信いただいても内容は確認されませんので、ご了承ください。"
)

// bilingual joins the two versions of a body, each with its footer.
func bilingual(en, ja string) string {
	return en + "\n\n" + footerEN + separator + ja + "\n\n" + footerJA + "\n"
}

// minutes is valid in whole minutes, at least one.
func minutes(valid time.Duration) int {
	return int(max(valid.Round(time.Minute), time.Minute) / time.Minute)
}

func minutesEN(valid time.Duration) string {
	if n := minutes(valid); n != 1 {
		return fmt.Sprintf("%d minutes", n)
	}
	return "1 minute"
}

// stamp formats at for both languages, e.g. "2023-11-14 22:13 UTC".
func stamp(at time.Time) string {
	return at.UTC().Format("2006-01-02 15:04 MST")
}

// SignInLink is the mail a user asks for at the password step after too
// many failed sign-ins from browsers the account has not signed in with.
func SignInLink(to, link string, valid time.Duration) Message {
	en := fmt.Sprintf(`Many sign-in attempts to your otpgate account failed in browsers you
have not signed in with before, so such browsers now need this link.
To continue signing in, open it in the browser where you asked for it:

%s

The link works once and expires in %s. Browsers you signed in with
before are not affected.

If you did not ask for this, ignore this mail: someone may be guessing
your password. Tell your administrator.`, link, minutesEN(valid))
	ja := fmt.Sprintf(`otpgate アカウントで、これまでサインインに使用されたことのないブラウザーからの
サインインの失敗が続いたため、そのようなブラウザーでは次のリンクが必要になりました。
サインインを続けるには、リンクを申請したブラウザーで開いてください。

%s

このリンクは1回のみ使用でき、%d分後に有効期限が切れます。
以前にサインインしたことのあるブラウザーは影響を受けません。

お心当たりがない場合は、このメールを破棄してください。第三者がパスワードを
推測しようとしている可能性がありますので、管理者にお知らせください。`, link, minutes(valid))
	return Message{
		To:      to,
		Subject: "otpgate: sign-in link / サインイン用のリンク",
		Text:    bilingual(en, ja),
	}
}

// ResetLink is the mail a user asks for at sign-in when the device is lost:
// the link proves they hold the mailbox and lets them set up a new device.
func ResetLink(to, link string, valid time.Duration) Message {
	en := fmt.Sprintf(`Someone, hopefully you, asked to reset the authenticator device of your
otpgate account. To continue, open this link:

%s

The link works once and expires in %s.

If you did not ask for this, ignore this mail and tell your administrator:
the request could only be made with your password, so someone else may
know it.`, link, minutesEN(valid))
	ja := fmt.Sprintf(`otpgate アカウントの認証デバイスのリセットが申請されました。
続行するには、次のリンクを開いてください。

%s

このリンクは1回のみ使用でき、%d分後に有効期限が切れます。

お心当たりがない場合は、このメールを破棄し、管理者にお知らせください。
この申請はパスワードを知っている人しか行えないため、パスワードが第三者に
知られている可能性があります。`, link, minutes(valid))
	return Message{
		To:      to,
		Subject: "otpgate: reset your device / デバイスのリセット",
		Text:    bilingual(en, ja),
	}
}

// EnrollLink is the mail that proves a person holds the account's mailbox
// before they set up their first authenticator device
// (mfa.enrollment_proof = email). The link works in the browser that asked.
func EnrollLink(to, link string, valid time.Duration) Message {
	en := fmt.Sprintf(`Someone, hopefully you, is setting up two-factor authentication for your
otpgate account. To confirm that it is you, open this link in the same
browser:

%s

The link works once and expires in %s.

If you did not ask for this, do not open the link, and tell your
administrator: the request could only be made with your password and
security answer, so someone else may know them.`, link, minutesEN(valid))
	ja := fmt.Sprintf(`otpgate アカウントで二要素認証の設定が開始されました。
ご本人であることを確認するため、設定を開始したブラウザーで次のリンクを開いてください。

%s

このリンクは1回のみ使用でき、%d分後に有効期限が切れます。

お心当たりがない場合は、リンクを開かずに管理者にお知らせください。
この操作はパスワードと秘密の質問の答えを知っている人しか行えないため、
これらが第三者に知られている可能性があります。`, link, minutes(valid))
	return Message{
		To:      to,
		Subject: "otpgate: confirm two-factor setup / 二要素認証の設定の確認",
		Text:    bilingual(en, ja),
	}
}

// ProofLink is the mail sent while a user signs in after an administrator
// reset their device: the link proves they hold the mailbox before they may
// set up a new device.
func ProofLink(to, link string, valid time.Duration) Message {
	en := fmt.Sprintf(`An administrator has reset the authenticator device of your otpgate
account. To set up a new device, open this link in the browser where you
are signing in, after you have entered your password and security answer:

%s

The link works once and expires in %s.

If you are not signing in right now, ignore this mail and tell your
administrator.`, link, minutesEN(valid))
	ja := fmt.Sprintf(`管理者により、otpgate アカウントの認証デバイスがリセットされました。
新しいデバイスを設定するには、パスワードと秘密の質問の答えを入力した後、
サインイン中のブラウザーで次のリンクを開いてください。

%s

このリンクは1回のみ使用でき、%d分後に有効期限が切れます。

現在サインインしていない場合は、このメールを破棄し、管理者にお知らせください。`, link, minutes(valid))
	return Message{
		To:      to,
		Subject: "otpgate: set up your new device / 新しいデバイスの設定",
		Text:    bilingual(en, ja),
	}
}

// FirstDeviceLink is the mail of an administrator's first-enrollment code
// (mfa.enrollment_proof = admin): the link lets the person set up their
// first device while they sign in.
func FirstDeviceLink(to, link string, valid time.Duration) Message {
	en := fmt.Sprintf(`An administrator has set up two-factor authentication for your otpgate
account. To set up your authenticator device, open this link in the
browser where you are signing in, after you have entered your password
and security answer:

%s

The link works once and expires in %s.

If you are not signing in right now, ignore this mail and tell your
administrator.`, link, minutesEN(valid))
	ja := fmt.Sprintf(`管理者により、otpgate アカウントの二要素認証が設定されました。
認証デバイスを設定するには、パスワードと秘密の質問の答えを入力した後、
サインイン中のブラウザーで次のリンクを開いてください。

%s

このリンクは1回のみ使用でき、%d分後に有効期限が切れます。

現在サインインしていない場合は、このメールを破棄し、管理者にお知らせください。`, link, minutes(valid))
	return Message{
		To:      to,
		Subject: "otpgate: set up your device / デバイスの設定",
		Text:    bilingual(en, ja),
	}
}

// DeviceReset tells a user their authenticator device was reset, by
// themselves or by an administrator.
func DeviceReset(to string, at time.Time) Message {
	en := fmt.Sprintf(`The authenticator device of your otpgate account was reset at %s.
Codes from the old device no longer work; a new device must be set up
before you can sign in.

If this wasn't you, contact your administrator now.`, stamp(at))
	ja := fmt.Sprintf(`%s に、otpgate アカウントの認証デバイスがリセットされました。
以前のデバイスのコードは使用できなくなりました。サインインするには、
新しいデバイスの設定が必要です。

お心当たりがない場合は、直ちに管理者にご連絡ください。`, stamp(at))
	return Message{
		To:      to,
		Subject: "otpgate: your device was reset / デバイスがリセットされました",
		Text:    bilingual(en, ja),
	}
}

// DeviceEnrolled tells a user a new authenticator app was set up; app is the
// name they chose (e.g. "Google Authenticator"), or "" if unknown.
func DeviceEnrolled(to, app string, at time.Time) Message {
	app = strings.Join(strings.Fields(app), " ") // one line, whatever came in
	appEN, appJA := "A new authenticator app", "新しい認証アプリ"
	if app != "" {
		appEN += " (" + app + ")"
		appJA += "（" + app + "）"
	}
	en := fmt.Sprintf(`%s was set up for your otpgate account at %s.
From now on, signing in asks for a code from this app.

If this wasn't you, contact your administrator now.`, appEN, stamp(at))
	ja := fmt.Sprintf(`%s に、otpgate アカウントで%sが設定されました。
今後のサインインでは、このアプリに表示されるコードの入力が必要です。

お心当たりがない場合は、直ちに管理者にご連絡ください。`, stamp(at), appJA)
	return Message{
		To:      to,
		Subject: "otpgate: new authenticator app set up / 認証アプリが設定されました",
		Text:    bilingual(en, ja),
	}
}

// AccountLocked tells a user their account was locked after too many wrong
// one-time passcodes; only an administrator can unlock it.
func AccountLocked(to string, at time.Time) Message {
	en := fmt.Sprintf(`Your otpgate account was locked at %s after too many incorrect
one-time passcodes. You cannot sign in until an administrator resets your
authenticator device.

Passcodes are asked only after the correct password and security answer,
so whoever typed them knows both. If that was not you, someone else knows
your password and your answer: tell your administrator. After the reset
you will be asked to choose a new password and a new answer.`, stamp(at))
	ja := fmt.Sprintf(`%s に、ワンタイムパスワードの誤入力が規定の回数に達したため、
otpgate アカウントがロックされました。管理者が認証デバイスをリセットするまで、
サインインできません。

ワンタイムパスワードは、正しいパスワードと秘密の質問の答えを入力した後にのみ
求められるため、入力した人はその両方を知っています。ご本人の操作でない場合は、
パスワードと秘密の質問の答えの両方が第三者に知られていますので、管理者に
お知らせください。リセット後に、新しいパスワードと新しい答えを設定していただきます。`, stamp(at))
	return Message{
		To:      to,
		Subject: "otpgate: account locked / アカウントがロックされました",
		Text:    bilingual(en, ja),
	}
}
