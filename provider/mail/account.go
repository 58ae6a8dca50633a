package mail

import (
	"fmt"
	"time"
)

// accountChanges are the words for each change made on the account page,
// by its audit event's name.
var accountChanges = map[string][2]string{
	"account.device_replaced":   {"Your authenticator app was replaced. Codes from the old app no longer work, and your recovery codes were replaced; your other sessions were ended.", "認証アプリが変更されました。以前のアプリのコードは使用できなくなり、リカバリーコードも再発行されました。他のセッションは終了しました。"},
	"account.codes_regenerated": {"New recovery codes were made. Your previous recovery codes no longer work.", "リカバリーコードが再発行されました。以前のリカバリーコードは使用できなくなりました。"},
	"account.password_changed":  {"Your password was changed. Your other sessions were ended and applications must sign in again.", "パスワードが変更されました。他のセッションは終了し、アプリケーションは再度サインインが必要です。"},
	"account.question_changed":  {"Your security question and answer were changed.", "秘密の質問と答えが変更されました。"},
	"account.sessions_ended":    {"Sessions of your account were ended.", "アカウントのセッションが終了されました。"},
	"account.browsers_forgotten": {"Remembered browsers were forgotten: they will ask for a passcode again.",
		"記憶されていたブラウザーの登録が解除されました。今後のサインインでは、再度ワンタイムパスワードの入力が必要です。"},
}

// signInChanges are the changes made at a sign-in rather than on the
// account page.
var signInChanges = map[string][2]string{
	"browser.remembered": {"A browser was remembered at your sign-in: it will not ask for a passcode for a while. You can forget it on your account page.",
		"サインイン時にブラウザーが記憶されました。しばらくの間、このブラウザーではワンタイムパスワードの入力が省略されます。アカウントページで登録を解除できます。"},
}

// AccountChanged tells a person about a change made on their account
// page (change is the audit event's name).
func AccountChanged(to, change string, at time.Time, loc Locale) Message {
	whereEN, whereJA := "on your otpgate account page", "otpgate のアカウントページで"
	words, ok := accountChanges[change]
	if w, atSignIn := signInChanges[change]; atSignIn {
		words, ok, whereEN, whereJA = w, true, "at an otpgate sign-in", "otpgate へのサインイン時に"
	}
	if !ok {
		words = [2]string{"Your account was changed.", "アカウントが変更されました。"}
	}
	en := fmt.Sprintf(`%s
This was done %s at %s.

If this wasn't you, contact your administrator now.`, words[0], whereEN, loc.stampEN(at))
	ja := fmt.Sprintf(`%s
%s に、%s行われました。

お心当たりがない場合は、直ちに管理者にご連絡ください。`, words[1], loc.stampJA(at), whereJA)
	return loc.message(to, "otpgate: your account was changed", "otpgate: アカウントが変更されました", en, ja)
}
