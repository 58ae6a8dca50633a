package templates

// The pages of otpgate's own sites: the administrator's console (/admin)
// and the person's account page (/account). Each is drawn inside the
// portal layout (a navigation bar naming the signed-in person and a wide
// main area) instead of the sign-in card.

// PortalNav is what every console and account page shows in its
// navigation bar.
type PortalNav struct {
	// Site is "console" or "account"; Section names the page of the site
	// the bar marks as current (aria-current="page").
	Site, Section string
	// Username is the signed-in person.
	Username string
}

// ConsoleUsersPage is the console's list of accounts
// (data-step="console-users").
type ConsoleUsersPage struct {
	Base
	Nav   PortalNav
	Flash Message
	// Query and the filters refill the search form (GET /admin?q=&locked=1&nodevice=1&mfa=1).
	Query                 string
	Locked, NoDevice, MFA bool
	Users                 []ConsoleUser
}

// ConsoleUser is one account in ConsoleUsersPage.
type ConsoleUser struct {
	// PathName is Username as a path segment (escaped).
	Username, Name, Email, PathName string
	HasDevice                       bool
	Locked                          bool // by passcodes, or a password/answer lock in force
	Disabled                        bool
	Admin                           bool
	RequireMFA                      bool
}

// AccountPage is the person's own account page (data-step="account").
type AccountPage struct {
	Base
	Nav  PortalNav
	Name string
	// Device is nil when no authenticator app is set up.
	Device    *AccountDevice
	CodesLeft int
	Sessions  int
	// QuestionEnabled shows the security question's section (the
	// account answers it at sign-in).
	QuestionEnabled bool
	// PasswordElsewhere: the account signs in with a connector's
	// password (PasswordSource its name, or ""), changed there.
	PasswordElsewhere bool
	PasswordSource    string
	// Done names the change just made ("device", "password", "question",
	// "sessions"), shown as a status message.
	Done    string
	SignIns []AccountSignIn
}
