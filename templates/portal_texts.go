package templates

// portalTexts holds the wording of the console and the account page.
var portalTexts = map[string]entry{
	"portal.nav":              {"Main", "メイン"},
	"portal.signed_in_as":     {"Signed in as %s", "%s としてサインイン中"},
	"portal.sign_out":         {"Sign out", "サインアウト"},
	"console.title":           {"Administration", "管理コンソール"},
	"console.users.title":     {"Users", "ユーザー"},
	"console.users.caption":   {"Accounts, locked accounts first", "アカウント一覧（ロック中のアカウントを先頭に表示）"},
	"console.col.username":    {"Username", "ユーザー名"},
	"console.col.name":        {"Name", "名前"},
	"console.col.device":      {"Authenticator", "認証アプリ"},
	"console.col.status":      {"Status", "状態"},
	"console.device.yes":      {"Registered", "登録済み"},
	"console.device.no":       {"None", "未登録"},
	"console.status.locked":   {"Locked", "ロック中"},
	"console.status.disabled": {"Disabled", "無効"},
	"console.status.active":   {"Active", "有効"},
	"console.role.admin":      {"Administrator", "管理者"},
	"account.title":           {"Your account", "アカウント"},
	"account.intro":           {"Manage how you sign in.", "サインイン方法を管理できます。"},
}
