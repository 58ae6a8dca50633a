package templates

// Message is a key in the catalogue; handlers pass these, never raw text.
type Message string

// The user-facing messages. Wrong usernames, passwords and answers and
// disabled accounts all share MsgSignInFailed so a page never tells them apart.
const (
	MsgSignInFailed      Message = "sign_in_failed"      // generic failure of any sign-in check
	MsgPasswordMismatch  Message = "password_mismatch"   // the two new passwords differ
	MsgPasswordTooShort  Message = "password_too_short"  // shorter than Base.MinPasswordLength
	MsgPasswordTooLong   Message = "password_too_long"   // longer than the allowed maximum
	MsgPasswordReused    Message = "password_reused"     // new password equals the current one
	MsgAnswerMismatch    Message = "answer_mismatch"     // the two answers differ
	MsgAnswerTooShort    Message = "answer_too_short"    // answer under 3 characters
	MsgQuestionRequired  Message = "question_required"   // no question chosen or unknown question
	MsgFieldRequired     Message = "field_required"      // a required field was empty
	MsgFlowExpired       Message = "flow_expired"        // the sign-in took too long
	MsgUnknownRequest    Message = "unknown_request"     // unknown or already finished sign-in request
	MsgWrongBrowser      Message = "wrong_browser"       // the sign-in was started in another browser
	MsgBadRequest        Message = "bad_request"         // generic bad input
	MsgInvalidRedirect   Message = "invalid_redirect"    // unregistered redirect URI or unknown client
	MsgCSRF              Message = "csrf"                // missing or wrong CSRF token
	MsgNotFound          Message = "not_found"           // no such page
	MsgTooManyRequests   Message = "too_many_requests"   // rate limited
	MsgUnavailable       Message = "unavailable"         // storage unreachable (503)
	MsgInternal          Message = "internal"            // any other server-side failure
	MsgNotAdmin          Message = "not_admin"           // a signed-in person who is not an administrator opened the console
	MsgConsoleNeedsLocal Message = "console_needs_local" // the console after an upstream provider's sign-in: otpgate's own password and passcode are needed

	MsgCodeMalformed       Message = "code_malformed"        // the passcode is not 6 digits
	MsgCodeInvalid         Message = "code_invalid"          // wrong, old or already used passcode
	MsgEnrollRestarted     Message = "enroll_restarted"      // too many wrong codes or expired key at enrollment: new key made
	MsgAppRequired         Message = "app_required"          // no app chosen or unknown app at enrollment
	MsgRecoveryCodeInvalid Message = "recovery_code_invalid" // wrong or already used recovery code
	MsgProofInvalid        Message = "proof_invalid"         // wrong or expired enrollment code after an admin reset
	MsgAccountLocked       Message = "account_locked"        // too many failed passcodes; an admin must reset the device
	MsgLinkInvalid         Message = "link_invalid"          // wrong, used or expired emailed link
	MsgLinkCodeInvalid     Message = "link_code_invalid"     // wrong, used or expired code of a link opened in another browser
	MsgResetMailLimit      Message = "reset_mail_limit"      // enough reset links were mailed for this account this hour
	MsgProofThrottled      Message = "proof_throttled"       // too many enrollment codes tried; wait (never a lock)
	MsgAnswerReused        Message = "answer_reused"         // the new security answer is the old one
	MsgPasswordCommon      Message = "password_common"       // a common, breached or patterned password
	MsgPasswordContext     Message = "password_context"      // the password contains the username, email or product name

	// The password/answer throttle: the same for an account and a name that is none.
	MsgTooManyAttempts       Message = "too_many_attempts"        // a temporary lock; Base.RetryMinutes
	MsgTooManyAttemptsMinute Message = "too_many_attempts_minute" // a temporary lock ending within a minute
	MsgSignInNeedsLink       Message = "sign_in_needs_link"       // the bound of unknown-browser failures; a link can be mailed
	MsgSignInNeedsAdmin      Message = "sign_in_needs_admin"      // the bound, with mail off: only an administrator

	// A directory's (LDAP, Active Directory) refusals by its password policy.
	MsgDirectoryPasswordExpired Message = "directory_password_expired" // the directory password is right but expired
	MsgDirectoryMustChange      Message = "directory_must_change"      // the directory password was reset and must be changed
	MsgDirectoryLocked          Message = "directory_locked"           // the directory locked the account
	MsgDirectoryAccountTaken    Message = "directory_account_taken"    // the directory's username belongs to another account here

	// An upstream OpenID provider's sign-in, told on the password page.
	MsgUpstreamDenied       Message = "upstream_denied"        // the upstream answered with an error (cancelled, refused)
	MsgUpstreamFailed       Message = "upstream_failed"        // the upstream's answer was refused (token, state, replay)
	MsgUpstreamUnavailable  Message = "upstream_unavailable"   // the upstream cannot be reached
	MsgUpstreamAccountTaken Message = "upstream_account_taken" // the upstream's username belongs to another account here
)

// AllMessages lists every Message constant, so tests can check each has a
// text in every language.
var AllMessages = []Message{
	MsgSignInFailed, MsgPasswordMismatch, MsgPasswordTooShort, MsgPasswordTooLong,
	MsgPasswordReused, MsgAnswerMismatch, MsgAnswerTooShort, MsgQuestionRequired,
	MsgFieldRequired, MsgFlowExpired, MsgUnknownRequest, MsgWrongBrowser,
	MsgBadRequest, MsgInvalidRedirect, MsgCSRF, MsgNotFound, MsgTooManyRequests,
	MsgUnavailable, MsgInternal, MsgNotAdmin, MsgConsoleNeedsLocal,
	MsgCodeMalformed, MsgCodeInvalid, MsgEnrollRestarted, MsgAppRequired,
	MsgRecoveryCodeInvalid, MsgProofInvalid, MsgAccountLocked, MsgLinkInvalid, MsgLinkCodeInvalid, MsgResetMailLimit,
	MsgProofThrottled, MsgAnswerReused, MsgPasswordCommon, MsgPasswordContext,
	MsgTooManyAttempts, MsgTooManyAttemptsMinute, MsgSignInNeedsLink, MsgSignInNeedsAdmin,
	MsgDirectoryPasswordExpired, MsgDirectoryMustChange, MsgDirectoryLocked, MsgDirectoryAccountTaken,
	MsgUpstreamDenied, MsgUpstreamFailed, MsgUpstreamUnavailable, MsgUpstreamAccountTaken,
	MsgCurrentPasswordWrong, MsgOfferExpired, MsgProofRequired, MsgSessionNotFound, MsgBrowserNotFound, MsgAccountSignInAgain, MsgAccountNeedsDevice, MsgAccountPasswordElsewhere, MsgAccountNoQuestion,
}

// entry is one catalogue text in English and Japanese. A text may hold one
// fmt verb; a key ending in ".plain" is then its number-free variant, used
// when the argument is missing or zero.
type entry struct{ en, ja string }

// messageTexts holds the texts of the Message constants.
var messageTexts = map[string]entry{
	"sign_in_failed": {
		"The sign-in details are not correct. Check them and try again.",
		"サインイン情報が正しくありません。入力内容をご確認のうえ、もう一度お試しください。"},
	"password_mismatch": {
		"The two new passwords do not match. Enter the same password twice.",
		"新しいパスワードが一致しません。同じパスワードを2回入力してください。"},
	"password_too_short": {
		"The new password must be at least %d characters long.",
		"新しいパスワードは%d文字以上で設定してください。"},
	"password_too_short.plain": {
		"The new password is too short.",
		"新しいパスワードが短すぎます。"},
	"password_too_long": {
		"The new password is too long. Choose a shorter one.",
		"新しいパスワードが長すぎます。より短いパスワードを設定してください。"},
	"password_common": {
		"This password is too easy to guess: it is a common or leaked password, or follows a pattern such as repeated characters, keyboard rows or a word with digits. Choose another.",
		"このパスワードは推測されやすいため使用できません。よく使われるパスワードや過去に流出したパスワードであるか、同じ文字の繰り返し、キーボードの並び、単語と数字の組み合わせなどのパターンに当てはまります。別のパスワードを設定してください。",
	},
	"password_context": {
		"The password must not contain your username, the part of your email address before the @, or the name of this service.",
		"パスワードには、ユーザー名、メールアドレスの「@」より前の部分、このサービスの名前を含めないでください。",
	},
	"password_reused": {
		"The new password must be different from your current password.",
		"新しいパスワードには、現在のパスワードとは異なるものを設定してください。"},
	"answer_mismatch": {
		"The two answers do not match. Enter the same answer twice.",
		"入力された2つの答えが一致しません。同じ答えを2回入力してください。"},
	"answer_too_short": {
		"The answer must be at least 3 characters long.",
		"答えは3文字以上で入力してください。"},
	"question_required": {
		"Choose a security question from the list.",
		"一覧から秘密の質問を選択してください。"},
	"field_required": {
		"Fill in every field.",
		"すべての項目を入力してください。"},
	"flow_expired": {
		"This sign-in has expired. Go back to the application and start again.",
		"サインインの有効期限が切れました。アプリケーションに戻り、最初からやり直してください。"},
	"unknown_request": {
		"This sign-in request is unknown or has already finished. Go back to the application and start again.",
		"このサインイン要求は見つからないか、すでに完了しています。アプリケーションに戻り、最初からやり直してください。"},
	"wrong_browser": {
		"This sign-in was started in another browser. Continue there, or go back to the application and start again in this browser.",
		"このサインインは別のブラウザーで開始されています。そのブラウザーで続行するか、アプリケーションに戻り、このブラウザーで最初からやり直してください。"},
	"bad_request": {
		"The request could not be understood. Go back and try again.",
		"リクエストを処理できませんでした。前の画面に戻り、もう一度お試しください。"},
	"invalid_redirect": {
		"The application's sign-in request is not valid, so otpgate will not send you back to it. Contact the application's administrator.",
		"アプリケーションからのサインイン要求が正しくないため、otpgate からアプリケーションには戻りません。アプリケーションの管理者にお問い合わせください。"},
	"csrf": {
		"This form has expired or was sent from another site. Reload the page and try again.",
		"このフォームは有効期限が切れたか、別のサイトから送信されました。ページを再読み込みして、もう一度お試しください。"},
	"console_needs_local": {
		"The console needs your otpgate password and passcode, not a sign-in with another provider. Sign out, then sign in with your otpgate account.",
		"管理コンソールを利用するには、他のサービスでのサインインではなく、otpgate のパスワードとワンタイムパスワードでサインインする必要があります。サインアウトしてから、otpgate のアカウントでサインインしてください。"},
	"not_admin": {
		"Only administrators can open the console. Ask an administrator if you need access.",
		"管理コンソールは管理者のみ利用できます。利用が必要な場合は、管理者にお問い合わせください。"},
	"not_found": {
		"This page does not exist.",
		"指定されたページは存在しません。"},
	"too_many_requests": {
		"There have been too many attempts. Wait a few minutes and try again.",
		"試行回数が上限に達しました。数分待ってから、もう一度お試しください。"},
	"unavailable": {
		"otpgate cannot reach its database right now. Try again in a moment.",
		"現在、otpgate はデータベースに接続できません。しばらくしてから、もう一度お試しください。"},
	"internal": {
		"Something went wrong on our side. Try again; if it keeps happening, contact your administrator.",
		"サーバー側で問題が発生しました。もう一度お試しください。問題が続く場合は、管理者にお問い合わせください。"},
	"code_malformed": {
		"Enter the 6-digit code from your authenticator app.",
		"認証アプリに表示されている6桁のコードを入力してください。"},
	"code_invalid": {
		"That code didn't work. Check that your phone's time is correct and enter the newest code. Tries left before your account is locked: %d.",
		"コードが正しくありません。スマートフォンの時刻が正しく設定されていることを確認し、最新のコードを入力してください。あと%d回失敗すると、アカウントがロックされます。"},
	"code_invalid.plain": {
		"That code didn't work. Check that your phone's time is correct and enter the newest code.",
		"コードが正しくありません。スマートフォンの時刻が正しく設定されていることを確認し、最新のコードを入力してください。"},
	"enroll_restarted": {
		"Too many wrong codes, or the setup key expired. We made a new one: scan the new QR code and try again.",
		"誤ったコードの入力が規定の回数に達したか、セットアップキーの有効期限が切れたため、新しいセットアップキーを発行しました。新しい QR コードを読み取り、もう一度お試しください。"},
	"app_required": {
		"Choose the app you installed.",
		"インストールしたアプリを選択してください。"},
	"recovery_code_invalid": {
		"That recovery code is not valid or was already used. Tries left before your account is locked: %d.",
		"このリカバリーコードは正しくないか、すでに使用されています。あと%d回失敗すると、アカウントがロックされます。"},
	"recovery_code_invalid.plain": {
		"That recovery code is not valid or was already used.",
		"このリカバリーコードは正しくないか、すでに使用されています。"},
	"proof_invalid": {
		"That enrollment code is not valid or has expired. Ask your administrator for a new one. Tries left before your account is locked: %d.",
		"この登録コードは正しくないか、有効期限が切れています。管理者に新しい登録コードの発行を依頼してください。あと%d回失敗すると、アカウントがロックされます。"},
	"proof_invalid.plain": {
		"That enrollment code is not valid or has expired. Ask your administrator for a new one.",
		"この登録コードは正しくないか、有効期限が切れています。管理者に新しい登録コードの発行を依頼してください。"},
	"proof_throttled": {
		"Too many enrollment codes were tried. Wait 15 minutes, then enter the code your administrator gave you. Your account is not locked and the code still works.",
		"登録コードの試行回数が上限に達しました。15分後に、管理者から受け取った登録コードを入力してください。アカウントはロックされておらず、登録コードも引き続き有効です。"},
	"answer_reused": {
		"Choose a different answer from the one you had: your account was reset because someone else may know it.",
		"以前とは異なる答えを設定してください。以前の答えが第三者に知られている可能性があるため、アカウントがリセットされました。"},
	"reset_mail_limit": {
		"Several reset links were already sent to your email address in the last hour. Use the newest one, or try again later.",
		"過去1時間以内に、リセット用のリンクをすでに複数回メールでお送りしています。最新のメールに記載されたリンクをご利用いただくか、しばらくしてからもう一度お試しください。"},
	"account_locked": {
		"Your account is locked because of too many failed passcode entries. Contact your administrator.",
		"ワンタイムパスワードの誤入力が規定の回数に達したため、アカウントがロックされています。管理者にお問い合わせください。"},
	"too_many_attempts": {
		"Too many attempts. Try again in %d minutes.",
		"試行回数が上限に達しました。%d分後にもう一度お試しください。"},
	"too_many_attempts.plain": {
		"Too many attempts. Try again in a few minutes.",
		"試行回数が上限に達しました。数分後にもう一度お試しください。"},
	"too_many_attempts_minute": {
		"Too many attempts. Try again in 1 minute.",
		"試行回数が上限に達しました。1分後にもう一度お試しください。"},
	"sign_in_needs_link": {
		"Too many sign-in attempts failed for this account in browsers it has not signed in with before. To continue in this browser, use a sign-in link sent to the account's email address, or ask your administrator.",
		"このアカウントでは、これまでサインインに使用されたことのないブラウザーからのサインインの失敗が規定の回数に達しました。このブラウザーで続行するには、アカウントに登録されているメールアドレスにお送りするサインイン用のリンクをご利用いただくか、管理者にお問い合わせください。"},
	"sign_in_needs_admin": {
		"Too many sign-in attempts failed for this account in browsers it has not signed in with before. To continue in this browser, ask your administrator to unlock the account.",
		"このアカウントでは、これまでサインインに使用されたことのないブラウザーからのサインインの失敗が規定の回数に達しました。このブラウザーで続行するには、管理者にアカウントのロック解除を依頼してください。"},
	"link_code_invalid": {
		"That code is not valid, was already used or has expired. Open the link in the mail again to get a new code, or ask for a new link.",
		"このコードは正しくないか、すでに使用されているか、有効期限が切れています。メールのリンクをもう一度開いて新しいコードを表示するか、新しいリンクを申請してください。"},
	"directory_password_expired": {
		"Your directory password has expired. Change it the way your organization provides, then sign in again.",
		"ディレクトリのパスワードの有効期限が切れています。組織で定められた方法でパスワードを変更してから、もう一度サインインしてください。"},
	"directory_must_change": {
		"Your directory password was reset and must be changed before you sign in. Change it the way your organization provides, then sign in again.",
		"ディレクトリのパスワードがリセットされたため、サインインの前に変更する必要があります。組織で定められた方法でパスワードを変更してから、もう一度サインインしてください。"},
	"directory_locked": {
		"Your directory account is locked. Contact your administrator.",
		"ディレクトリのアカウントがロックされています。管理者にお問い合わせください。"},
	"directory_account_taken": {
		"Your directory account cannot sign in here because its username belongs to another account. Contact your administrator.",
		"このユーザー名は別のアカウントで使用されているため、ディレクトリのアカウントではサインインできません。管理者にお問い合わせください。"},
	"upstream_denied": {
		"The sign-in with the other provider was cancelled or refused there. Try again, or sign in another way.",
		"外部のサービスでのサインインがキャンセルされたか、拒否されました。もう一度お試しいただくか、別の方法でサインインしてください。"},
	"upstream_failed": {
		"The sign-in with the other provider could not be completed. Start it again from this page.",
		"外部のサービスでのサインインを完了できませんでした。このページからもう一度やり直してください。"},
	"upstream_unavailable": {
		"The other provider cannot be reached right now. Try again in a moment, or sign in another way.",
		"現在、外部のサービスに接続できません。しばらくしてからもう一度お試しいただくか、別の方法でサインインしてください。"},
	"upstream_account_taken": {
		"Your account at the other provider cannot sign in here because its username belongs to another account. Contact your administrator.",
		"このユーザー名は別のアカウントで使用されているため、外部のサービスのアカウントではサインインできません。管理者にお問い合わせください。"},
	"link_invalid": {
		"This link is not valid, was already used, or has expired.",
		"このリンクは正しくないか、すでに使用されているか、有効期限が切れています。"},
}
