package templates

import "time"

// The console's pages (besides ConsoleUsersPage, in portal.go). Each
// shows a Flash (role="status") after a Post/Redirect/Get and its
// Base.Error as the alert; a secret (an enrollment code, a client secret)
// is only ever on the page that answers the POST that made it.

// Stamp is a moment as a page shows it: ISO for the <time datetime>
// attribute, and the template function "when" for people (in the page's
// language and the renderer's time zone, Brand.Zone). The zero Stamp
// shows nothing.
type Stamp struct{ At time.Time }

// StampOf is t as a Stamp (the zero Stamp for the zero time).
func StampOf(t time.Time) Stamp { return Stamp{At: t} }

// ISO is the moment in RFC 3339, in UTC ("" for the zero Stamp).
func (s Stamp) ISO() string {
	if s.At.IsZero() {
		return ""
	}
	return s.At.UTC().Format(time.RFC3339)
}

// stampLayouts are how each language writes a moment: the English pages
// as before ("2026-12-03 16:14 JST"), the Japanese ones as the mails do
// ("2026年12月3日 16:14（JST）").
var stampLayouts = map[string]string{"en": "2006-01-02 15:04 MST", "ja": "2006年1月2日 15:04（MST）"}

// when writes s for people in lang, in zone ("" for the zero Stamp).
func when(s Stamp, lang string, zone *time.Location) string {
	if s.At.IsZero() {
		return ""
	}
	if zone == nil {
		zone = time.UTC
	}
	layout, ok := stampLayouts[lang]
	if !ok {
		layout = stampLayouts["en"]
	}
	return s.At.In(zone).Format(layout)
}

// Messages of the console: alerts (a refused action) and flashes (an
// action done). Their texts are in consoleTexts.
const (
	MsgConsoleUserNotFound    Message = "console.err.user_not_found"
	MsgConsoleClientNotFound  Message = "console.err.client_not_found"
	MsgConsoleSessionNotFound Message = "console.err.session_not_found"
	MsgConsoleBrowserNotFound Message = "console.err.browser_not_found"
	MsgConsoleInvalid         Message = "console.err.invalid"
	MsgConsoleClientID        Message = "console.err.client_id"
	MsgConsoleURI             Message = "console.err.uri"
	MsgConsoleSecret          Message = "console.err.secret"
	MsgConsoleClientExists    Message = "console.err.client_exists"
	MsgConsoleFromConfig      Message = "console.err.from_config"
	MsgConsolePublicClient    Message = "console.err.public_client"
	MsgConsoleDate            Message = "console.err.date"
	MsgConsoleCursor          Message = "console.err.cursor"
	MsgConsoleNotAudited      Message = "console.err.not_audited"

	MsgConsoleUnlocked          Message = "console.done.unlocked"
	MsgConsoleDisabled          Message = "console.done.disabled"
	MsgConsoleEnabled           Message = "console.done.enabled"
	MsgConsoleMFAOn             Message = "console.done.mfa_on"
	MsgConsoleMFAOff            Message = "console.done.mfa_off"
	MsgConsoleSessionRevoked    Message = "console.done.session_revoked"
	MsgConsoleSessionsRevoked   Message = "console.done.sessions_revoked"
	MsgConsoleBrowsersForgotten Message = "console.done.browsers_forgotten"
	MsgConsoleClientCreated     Message = "console.done.client_created"
	MsgConsoleClientUpdated     Message = "console.done.client_updated"
	MsgConsoleClientRemoved     Message = "console.done.client_removed"
	MsgConsoleKeysRotated       Message = "console.done.keys_rotated"
)

// ConsoleUserPage is one account (data-step="console-user"): its profile,
// locks, device, sessions, recent audit events and the actions on it.
type ConsoleUserPage struct {
	Base
	Nav   PortalNav
	Flash Message
	User  ConsoleUserDetail
	// Device is nil when none is enrolled.
	Device   *ConsoleDevice
	Sessions []ConsoleSession
	// Browsers are the remembered browsers (they skip the passcode), each
	// forgotten by a form posting "browser" to …/browsers/forget.
	Browsers []ConsoleBrowser
	Events   []ConsoleEvent
}

// ConsoleBrowser is one remembered browser on ConsoleUserPage.
type ConsoleBrowser struct {
	ID, Label                string
	Created, LastUsed, Until Stamp
}

// ConsoleUserDetail is the account of ConsoleUserPage.
type ConsoleUserDetail struct {
	Username, Name, Email string
	Admin, Disabled       bool
	RequireMFA            bool
	PasscodeLocked        bool
	PasscodeFailures      int
	// LockedUntil is the end of a password/answer lock in force.
	LockedUntil Stamp
	// MustChangePassword: the next sign-in sets a new password.
	MustChangePassword bool
	// ProofPending: an enrollment code was issued and not used yet; valid
	// until ProofUntil.
	ProofPending bool
	ProofUntil   Stamp
	// PathName is the username as a path segment (escaped).
	PathName string
	// Self is the signed-in administrator's own account.
	Self bool
}

// ConsoleDevice is an account's authenticator: never its secret.
type ConsoleDevice struct {
	App                string
	Enrolled, LastUsed Stamp
	RecoveryCodesLeft  int64
}

// ConsoleSession is a browser session of an account.
type ConsoleSession struct {
	Handle                   string
	Methods                  string // the AMR, "pwd kba otp"
	AuthTime, Created, Until Stamp
}

// ConsoleEvent is one audit event.
type ConsoleEvent struct {
	At                                 Stamp
	Event, User, Client, Actor, Detail string
	IP                                 string
}

// ConsoleCodePage shows the enrollment code of a device reset, once, in
// the answer to the reset's POST (data-step="console-enrollment-code"; the
// code is in id="enrollment-code").
type ConsoleCodePage struct {
	Base
	Nav                PortalNav
	Username, PathName string
	Code               string
	ValidUntil         Stamp
	HadDevice, Mailed  bool
	// MailFailed: the reset stands and the code is valid, but its mail
	// could not be sent.
	MailFailed bool
}

// ConsoleClientsPage lists the clients and has the form that registers a
// new one (data-step="console-clients"), refilled after a refusal.
type ConsoleClientsPage struct {
	Base
	Nav     PortalNav
	Flash   Message
	Clients []ConsoleClientRow
	New     ConsoleNewClient
	// NewMachine refills the automation client's form after a refusal.
	NewMachine ConsoleNewMachine
}

// ConsoleNewMachine is the form of a machine client that calls the admin
// API with the client credentials grant (posted to
// /admin/clients/machine: machine_id, machine_name, scope = admin:read or
// admin:write).
type ConsoleNewMachine struct {
	ID, Name string
	Write    bool
	// Field names the input in error (its id), for aria-invalid.
	Field string
}

// ConsoleClientRow is one client in ConsoleClientsPage.
type ConsoleClientRow struct {
	ID, PathID, Name, Kind string
	RequireMFA, FromConfig bool
	BuiltIn                bool
}

// ConsoleNewClient is the registration form's values.
type ConsoleNewClient struct {
	ID, Name, RedirectURI, PostLogoutURI string
	Public, RequireMFA                   bool
	// Field names the input in error (its id), for aria-invalid.
	Field string
}

// ConsoleClientPage is one client and its edit forms
// (data-step="console-client").
type ConsoleClientPage struct {
	Base
	Nav    PortalNav
	Flash  Message
	Client ConsoleClient
	// RememberDays is mfa.remember_browser_days (0: remembering is off
	// for every client, whatever a client allows).
	RememberDays int
	// AddRedirect and AddPostLogout refill the add forms after a refusal;
	// Field names the input in error.
	AddRedirect, AddPostLogout, Field string
}

// ConsoleClient is the client of ConsoleClientPage.
type ConsoleClient struct {
	ID, PathID, Name, Kind, IDTokenAlg string
	Public, RequireMFA                 bool
	// CanRemember: the client signs people in with a password first, so
	// it may let a remembered browser skip the passcode; RememberBrowser:
	// it does.
	CanRemember, RememberBrowser bool
	// FromConfig: declared in the configuration file, read-only here.
	FromConfig bool
	// Editable is neither from the configuration nor built in.
	Editable                     bool
	RedirectURIs, PostLogoutURIs []string
	// Machine: a client_credentials client (no redirect URIs).
	Machine           bool
	Scopes            []string
	Created, Modified Stamp
}

// ConsoleSecretPage shows a client's generated secret, once, in the
// answer to the POST that made it (data-step="console-client-secret"; the
// secret is in id="client-secret").
type ConsoleSecretPage struct {
	Base
	Nav            PortalNav
	ClientID       string
	PathID, Secret string
	// Rotated: a new secret replaced the old one (else the client is new).
	Rotated bool
}

// ConsoleRemoveClientPage asks for confirmation before a client is
// removed (data-step="console-client-remove").
type ConsoleRemoveClientPage struct {
	Base
	Nav              PortalNav
	ClientID, PathID string
}

// ConsoleKeysPage lists the signing keys (data-step="console-keys").
type ConsoleKeysPage struct {
	Base
	Nav   PortalNav
	Flash Message
	Keys  []ConsoleKey
}

// ConsoleKey is one signing key's public facts.
type ConsoleKey struct {
	ID, Algorithm, State        string
	Created, SignsFrom, Retired Stamp
}

// ConsoleAuditPage is the audit log with its filters
// (data-step="console-audit"), newest first; Older, when set, is the
// address of the next page.
type ConsoleAuditPage struct {
	Base
	Nav                       PortalNav
	User, Event, Since, Until string
	// Field names the filter in error.
	Field  string
	Events []ConsoleEvent
	Older  string
}
