package templates

// Messages of the account page.
const (
	MsgCurrentPasswordWrong Message = "current_password_wrong" // the current password on the account page is wrong
	MsgOfferExpired         Message = "device_offer_expired"   // the new device's key expired or the device changed meanwhile
	MsgProofRequired        Message = "device_proof_required"  // neither a passcode nor a recovery code was given
	MsgSessionNotFound      Message = "session_not_found"      // no such session of this person
	MsgBrowserNotFound      Message = "browser_not_found"      // no such remembered browser of this person
	MsgAccountSignInAgain   Message = "account_sign_in_again"  // the account page's second-factor attempts are used up: this session ended
	MsgAccountNeedsDevice   Message = "account_needs_device"   // a password or question change needs an authenticator app
	// MsgAccountPasswordElsewhere: the account signs in with a directory's
	// or an upstream provider's password, which is changed there (and an
	// upstream's account answers no security question).
	MsgAccountPasswordElsewhere Message = "account_password_elsewhere"
	// MsgAccountNoQuestion: the account's sign-in asks no security
	// question (an upstream provider signs it in).
	MsgAccountNoQuestion Message = "account_no_question"
)

// accountTexts holds the wording of the account page.
var accountTexts = map[string]entry{
	"account_sign_in_again": {"Too many wrong codes. For your security you were signed out here: sign in again to continue.",
		"コードの誤りが続いたため、安全のためサインアウトしました。続行するには、もう一度サインインしてください。"},
	"account_needs_device": {"Changing your password or security question here needs your authenticator app, which this account does not have. Ask your administrator to change it.",
		"ここでパスワードや秘密の質問を変更するには認証アプリが必要ですが、このアカウントには登録されていません。変更は管理者にご依頼ください。"},
	"account_no_question": {"Your sign-in does not ask a security question, so there is none to change.",
		"このアカウントのサインインでは秘密の質問を使用しないため、変更する質問はありません。"},
	"account_password_elsewhere": {"You sign in with your organization's password, which is not kept here: change it where your organization tells you to.",
		"このアカウントは組織のパスワードでサインインするため、ここでは変更できません。組織の案内に従って変更してください。"},
	"browser_not_found":      {"That browser is not remembered for your account (any more).", "指定されたブラウザーは、このアカウントに記憶されていません。"},
	"current_password_wrong": {"The current password is not correct.", "現在のパスワードが正しくありません。"},
	"device_offer_expired": {"This new key is no longer valid. Start again.",
		"この新しいキーは無効になりました。最初からやり直してください。"},
	"device_proof_required": {"Enter a passcode from your current app, or a recovery code if you lost it.",
		"現在のアプリのワンタイムパスワード、またはデバイスを紛失した場合はリカバリーコードを入力してください。"},
	"session_not_found": {"That session has already ended.", "そのセッションは既に終了しています。"},

	"account.nav.sessions":               {"Sessions", "セッション"},
	"account.device.title":               {"Authenticator app", "認証アプリ"},
	"account.device.none":                {"No authenticator app is set up. You will be asked to set one up at a sign-in that requires it.", "認証アプリは設定されていません。必要なサインイン時に設定を求められます。"},
	"account.device.app":                 {"App", "アプリ"},
	"account.device.enrolled":            {"Set up", "設定日時"},
	"account.device.last_used":           {"Last used", "最終使用日時"},
	"account.device.never":               {"Not yet", "未使用"},
	"account.device.replace":             {"Replace authenticator app", "認証アプリを変更"},
	"account.codes.title":                {"Recovery codes", "リカバリーコード"},
	"account.codes.left":                 {"Unused recovery codes: %d", "未使用のリカバリーコード: %d"},
	"account.codes.regenerate":           {"Make new recovery codes", "リカバリーコードを再発行"},
	"account.password.title":             {"Password", "パスワード"},
	"account.password.change":            {"Change password", "パスワードを変更"},
	"account.password.elsewhere":         {"You sign in with your %s password, which is not kept here: change it there.", "%s のパスワードでサインインしているため、ここでは変更できません。パスワードはそちらで変更してください。"},
	"account.password.elsewhere.plain":   {"You sign in with your organization's password, which is not kept here: change it where your organization tells you to.", "組織のパスワードでサインインしているため、ここでは変更できません。組織の案内に従って変更してください。"},
	"account.label.current_at":           {"Current %s password", "現在の %s のパスワード"},
	"account.question.title":             {"Security question", "秘密の質問"},
	"account.question.change":            {"Change security question", "秘密の質問を変更"},
	"account.sessions.title":             {"Sessions", "セッション"},
	"account.sessions.count":             {"Signed-in browsers: %d", "サインイン中のブラウザー: %d"},
	"account.sessions.manage":            {"See and end sessions", "セッションの確認と終了"},
	"account.signins.title":              {"Recent sign-ins", "最近のサインイン"},
	"account.signins.none":               {"No sign-ins recorded yet.", "サインインの記録はまだありません。"},
	"account.col.time":                   {"Time", "日時"},
	"account.col.client":                 {"Application", "アプリケーション"},
	"account.col.address":                {"Address", "アドレス"},
	"account.col.result":                 {"Result", "結果"},
	"account.result.success":             {"Signed in", "成功"},
	"account.result.failure":             {"Failed", "失敗"},
	"account.result.locked":              {"Locked", "ロック"},
	"account.done.device":                {"Your authenticator app was replaced. The old one no longer works.", "認証アプリを変更しました。以前のアプリは使用できなくなりました。"},
	"account.done.password":              {"Your password was changed. Your other sessions were ended.", "パスワードを変更しました。他のセッションは終了しました。"},
	"account.done.question":              {"Your security question was changed.", "秘密の質問を変更しました。"},
	"account.done.sessions":              {"The sessions were ended.", "セッションを終了しました。"},
	"account.back":                       {"Back to your account", "アカウントに戻る"},
	"account.label.current":              {"Current password", "現在のパスワード"},
	"account.label.passcode":             {"Passcode from your authenticator app", "認証アプリのワンタイムパスワード"},
	"account.label.recovery":             {"Or, if you lost your device: a recovery code", "デバイスを紛失した場合: リカバリーコード"},
	"account.label.new_password":         {"New password", "新しいパスワード"},
	"account.label.new_password_confirm": {"New password again", "新しいパスワード（確認）"},
	"account.label.question":             {"Security question", "秘密の質問"},
	"account.label.answer":               {"Answer", "答え"},
	"account.label.answer_confirm":       {"Answer again", "答え（確認）"},
	"account.device.intro":               {"To replace your authenticator app, prove you hold the current one: enter a passcode from it. If you lost it, enter one of your recovery codes instead. The current app keeps working until the new one is verified.", "認証アプリを変更するには、現在のアプリのワンタイムパスワードを入力してください。紛失した場合は、代わりにリカバリーコードを入力してください。新しいアプリの確認が完了するまで、現在のアプリは引き続き使用できます。"},
	"account.device.key_intro":           {"Scan the QR code or enter the setup key in your new app, then enter the code it shows. Until then, your current app keeps working.", "新しいアプリで QR コードを読み取るかセットアップキーを入力し、表示されたコードを入力してください。それまでは現在のアプリを引き続き使用できます。"},
	"account.device.verify":              {"Verify and replace", "確認して変更"},
	"account.device.continue":            {"Continue", "次へ"},
	"account.codes.intro":                {"New recovery codes replace all of your current ones, used or not. Enter a passcode from your authenticator app.", "新しいリカバリーコードを発行すると、現在のコードはすべて（使用済みかどうかにかかわらず）無効になります。認証アプリのワンタイムパスワードを入力してください。"},
	"account.codes.no_device":            {"Recovery codes come with an authenticator app; none is set up.", "リカバリーコードは認証アプリとともに発行されます。認証アプリが設定されていません。"},
	"account.codes.new_title":            {"Your new recovery codes", "新しいリカバリーコード"},
	"account.codes.new_intro":            {"Keep these codes somewhere safe. Each works once. They are shown only now; your previous codes no longer work.", "これらのコードを安全な場所に保管してください。各コードは1回だけ使用できます。表示されるのは今回のみです。以前のコードは使用できなくなりました。"},
	"account.password.intro":             {"Enter your current password and a new one twice. Your other sessions will end.", "現在のパスワードと新しいパスワード（2回）を入力してください。他のセッションは終了します。"},
	"account.question.intro":             {"Enter your current password, then choose a question and enter its answer twice.", "現在のパスワードを入力し、質問を選んで答えを2回入力してください。"},
	"account.question.current":           {"Your current question: %s", "現在の質問: %s"},
	"account.sessions.intro":             {"These browsers are signed in to your account.", "以下のブラウザーがアカウントにサインインしています。"},
	"account.sessions.caption":           {"Signed-in browsers, newest first", "サインイン中のブラウザー（新しい順）"},
	"account.col.created":                {"Signed in", "サインイン日時"},
	"account.col.expires":                {"Ends", "終了予定"},
	"account.col.methods":                {"Methods", "認証方法"},
	"account.method.pwd":                 {"Password", "パスワード"},
	"account.method.kba":                 {"Security question", "秘密の質問"},
	"account.method.otp":                 {"Passcode", "ワンタイムパスワード"},
	"account.method.ext":                 {"Another sign-in service", "外部サービスでのサインイン"},
	"account.method.separator":           {", ", "、"},
	"account.col.action":                 {"Action", "操作"},
	"account.sessions.this":              {"This browser", "このブラウザー"},
	"browser.unknown":                    {"Browser", "ブラウザー"},
	"browser.unknown_system":             {"another system", "その他のシステム"},
	"account.sessions.end":               {"End", "終了"},
	"account.signins.caption":            {"Your last sign-ins, newest first", "直近のサインイン（新しい順）"},
	"account.sessions.end_one":           {"End the session signed in at %s", "%s にサインインしたセッションを終了"},
	"account.browsers.forget_one":        {"Forget %s", "%s の登録を解除"},
	"account.sessions.end_others":        {"End all other sessions", "他のすべてのセッションを終了"},
	"account.browsers.title":             {"Remembered browsers", "記憶されたブラウザー"},
	"account.browsers.intro":             {"These browsers do not ask for a passcode when you sign in with your password. Forget one you no longer use or do not recognise.", "以下のブラウザーでは、パスワードでサインインする際にワンタイムパスワードの入力が省略されます。使用しなくなったブラウザーや心当たりのないブラウザーは、登録を解除してください。"},
	"account.browsers.caption":           {"Remembered browsers, most recently used first", "記憶されたブラウザー（最近使用した順）"},
	"account.browsers.none":              {"No browser is remembered.", "記憶されているブラウザーはありません。"},
	"account.col.browser":                {"Browser", "ブラウザー"},
	"account.col.last_used":              {"Last used", "最終使用日時"},
	"account.browsers.forget":            {"Forget", "登録を解除"},
	"account.browsers.forget_all":        {"Forget all browsers", "すべてのブラウザーの登録を解除"},
	"account.done.browsers":              {"Remembered browsers were forgotten. They will ask for a passcode again.", "ブラウザーの登録を解除しました。次回のサインインから、再度ワンタイムパスワードの入力が必要です。"},
}
