package store

import (
	"slices"
	"time"
)

// User is an account that can sign in. Username is stored lower-cased so
// that sign-in is case-insensitive and unique regardless of case. Name is
// the display name ("Ada Lovelace"), GivenName and FamilyName its parts
// when known; any of them may be empty (see DisplayName).
type User struct {
	ID       string `gorm:"primaryKey;size:64"`
	Username string `gorm:"uniqueIndex;size:128;not null"`
	// UsernameSkeleton is the UTS #39 confusable skeleton of Username
	// (see UsernameSkeleton): no two accounts are created with the same.
	UsernameSkeleton   string `gorm:"size:128;not null;default:'';index"`
	Email              string `gorm:"size:320"`
	Name               string `gorm:"size:200"`
	GivenName          string `gorm:"size:200"`
	FamilyName         string `gorm:"size:200"`
	PasswordHash       string `gorm:"size:255;not null"`
	MustChangePassword bool   `gorm:"not null;default:false"`
	Question           string `gorm:"size:64"`
	AnswerHash         string `gorm:"size:255"`
	Disabled           bool   `gorm:"not null;default:false"`
	RequireMFA         bool   `gorm:"not null;default:false"`
	// Admin is the administrator role: the person may use the web console
	// (/admin). An administrator's sign-in always needs the passcode.
	Admin bool `gorm:"not null;default:false"`
	// Lang is the language of the user's last sign-in ("en", "ja"); mails use it. "" until the first.
	Lang string `gorm:"type:text;not null;default:''"`

	// Lockout counters, changed only by single conditional statements
	// (see lockout.go). Consecutive wrong passcodes lock the account
	// (OTPLocked) until an administrator resets the device; consecutive
	// wrong passwords or answers lock it until LoginLockedUntil (unix
	// seconds), each lock twice as long as the one before it.
	OTPFailures      int   `gorm:"not null;default:0"`
	OTPLocked        bool  `gorm:"not null;default:false"`
	LoginFailures    int   `gorm:"not null;default:0"`
	LoginLockLevel   int   `gorm:"not null;default:0"`
	LoginLockedUntil int64 `gorm:"not null;default:0"`
	// LoginReservedAt and OTPReservedAt (unix seconds) are the times of the
	// last reserved attempts: a run stuck at the threshold with no attempt
	// for a while (a crash between reserving and confirming) is turned into
	// a normal lock; attempts merely in flight never are.
	LoginReservedAt int64 `gorm:"not null;default:0"`
	OTPReservedAt   int64 `gorm:"not null;default:0"`
	// UnknownFailures counts consecutive wrong passwords and answers from
	// browsers that are not known browsers of the account (the login_*
	// counters above are those browsers' budget). It never decays: at the
	// bound, unknown browsers need an emailed sign-in link or an
	// administrator; a sign-in or an administrator's unlock clears it.
	UnknownFailures int `gorm:"not null;default:0"`

	// ProofHash is the argon2id hash of the one-time enrollment proof an
	// administrator's device reset issued; until it is presented (before
	// ProofExpiresAt) the user cannot enrol a new device.
	ProofHash      string `gorm:"size:255"`
	ProofExpiresAt *time.Time
	// ProofRenews marks a proof issued by an administrator's reset: the
	// account chooses a new password and answer right after presenting
	// it. A proof for a first enrollment renews nothing.
	ProofRenews bool `gorm:"not null;default:false"`
	// ProofFailures wrong proofs were typed since ProofWindowStart (unix
	// seconds); they are throttled per window and never lock the account.
	ProofFailures    int   `gorm:"not null;default:0"`
	ProofWindowStart int64 `gorm:"not null;default:0"`
	// EnrollHoldBrowser is the browser (cookie hash) in which the person
	// proved possession after a reset (the proof, a recovery code or an
	// emailed link). Until a new device is enrolled, only that browser may
	// enrol one; every other sign-in is held at the proof step.
	EnrollHoldBrowser string `gorm:"size:64"`

	CreatedAt time.Time
	UpdatedAt time.Time
}

// Client is a registered relying application.
type Client struct {
	ID                     string     `gorm:"primaryKey;size:64"`
	Name                   string     `gorm:"size:200"`
	SecretHash             string     `gorm:"size:255"`
	Public                 bool       `gorm:"not null;default:false"`
	RedirectURIs           StringList `gorm:"type:text;not null"`
	PostLogoutRedirectURIs StringList `gorm:"type:text;not null"`
	RequireMFA             bool       `gorm:"not null;default:false"`
	// IDTokenSignedResponseAlg is the algorithm the client's ID tokens are
	// signed with: RS256, ES256 or EdDSA; empty means RS256.
	IDTokenSignedResponseAlg string `gorm:"size:16"`
	// Mode is how the client's users sign in: ModeFull (otpgate's own
	// password, question and passcode), ModeSecondFactor (the caller did
	// the first factor and names the user) or ModeEntraEAM (a Microsoft
	// Entra ID external authentication method).
	Mode string `gorm:"size:32;not null;default:''"`
	// EntraAppID is the Entra application id the hints of an Entra client
	// are issued to; EntraTenants the tenants allowed to use it.
	EntraAppID   string     `gorm:"size:64;not null;default:''"`
	EntraTenants StringList `gorm:"type:text;not null;default:'[]'"`
	// TrustLoginHint lets a factor-only client name the user with a plain
	// login_hint (without a signed request object).
	TrustLoginHint bool `gorm:"not null;default:false"`
	// JWKS is the client's own public key set (JSON), for signed request
	// objects and private_key_jwt; "" when it registered none.
	JWKS string `gorm:"type:text;not null;default:''"`
	// SecretSealed is the client secret itself, sealed (encrypted, bound
	// to the client id), so that otpgate can verify the HS256 request
	// objects a factor-only client signs with it. Only a factor-only
	// confidential client has one; nil for every other client, and for
	// one whose secret was set before otpgate kept it (until a rotation).
	SecretSealed []byte
	// GrantTypes are the grants the client may use: empty for the
	// authorization code and refresh token grants (every client that
	// signs people in), GrantClientCredentials for a machine client.
	GrantTypes StringList `gorm:"type:text;not null;default:'[]'"`
	// AllowedScopes are the scopes a machine client may be issued (the
	// admin API's ScopeAdminRead and ScopeAdminWrite).
	AllowedScopes StringList `gorm:"type:text;not null;default:'[]'"`
	// FromConfig marks clients declared in the YAML configuration; they are
	// re-synchronised at every start and cannot be changed by the CLI.
	FromConfig bool `gorm:"not null;default:false"`
	// RememberBrowser lets a person who passed a passcode in a sign-in to
	// this client have the browser remembered, so that later sign-ins
	// there skip the passcode (when the operator allows it too:
	// mfa.remember_browser_days).
	RememberBrowser bool `gorm:"not null;default:false"`
	CreatedAt       time.Time
	UpdatedAt       time.Time
}

// Flow is an OIDC authorization request together with the state of the
// sign-in that answers it. The zitadel library knows it as an AuthRequest.
// Its columns fall into parts with different lifetimes, each a struct of
// its own: the request (fixed at /authorize), the sign-in's progress
// (written one step at a time), a pending enrollment (a secret offered for
// minutes), and the code issued at the end. Each step's write touches its
// own columns only (see flowsteps.go).
type Flow struct {
	ID string `gorm:"primaryKey;size:64"`
	FlowRequest
	FlowProgress
	PendingEnrollment
	FlowCode
	UpstreamLogin
	CreatedAt time.Time
	ExpiresAt time.Time `gorm:"index"`
}

// FlowRequest is the authorization request as /authorize accepted it.
type FlowRequest struct {
	ClientID            string     `gorm:"size:64;not null;index"`
	RedirectURI         string     `gorm:"type:text;not null"`
	Scopes              StringList `gorm:"type:text;not null"`
	State               string     `gorm:"type:text"`
	Nonce               string     `gorm:"type:text"`
	ResponseType        string     `gorm:"size:64"`
	ResponseMode        string     `gorm:"size:64"`
	CodeChallenge       string     `gorm:"size:255"`
	CodeChallengeMethod string     `gorm:"size:16"`
	Prompt              StringList `gorm:"type:text;not null"`
	MaxAge              *int64
	UILocales           string `gorm:"type:text"`
	LoginHint           string `gorm:"type:text"`
	ACRValues           string `gorm:"type:text"`
	// EssentialACR are the values of an essential acr claims request,
	// space-separated ("" when none): the token's acr must be one of them.
	EssentialACR string `gorm:"type:text"`
	// IDTokenHintSubject is the subject of a valid id_token_hint, if any.
	IDTokenHintSubject string `gorm:"size:64"`
}

// FlowProgress is what the sign-in has established so far, and its result.
type FlowProgress struct {
	// BrowserHash binds the flow to the browser that started it (the
	// SHA-256 of the browser cookie). Empty until the first login page.
	BrowserHash string `gorm:"size:64"`
	UserID      string `gorm:"size:64;index"`
	// PasswordAt is when otpgate's password step passed; in a typed flow
	// (FirstFactorTyped), when the username was typed (NameFlow), which
	// proves nothing.
	PasswordAt *time.Time
	SetupAt    *time.Time
	QuestionAt *time.Time
	// OTPAt is when a passcode of the user's device was accepted in this flow.
	OTPAt *time.Time
	// EnrolledAt is set when a device was enrolled in this flow; its
	// recovery codes wait, sealed, in PendingCodes until the person has
	// seen them and pressed Submit (CodesAckAt).
	EnrolledAt *time.Time
	CodesAckAt *time.Time
	// ResetAt: the user proved possession (recovery code or emailed link)
	// and the old device was removed in this flow; enrollment follows.
	ResetAt *time.Time
	// ProofAt: the enrollment proof of an administrator's reset was
	// presented in this flow.
	ProofAt *time.Time
	// FirstFactor is who performed the first factor: FirstFactorOurs
	// (otpgate's password step), FirstFactorEntra (a verified Entra ID
	// hint) or FirstFactorCaller (the relying party of a factor-only
	// client). Only FirstFactorOurs runs the password and question steps.
	FirstFactor string `gorm:"size:32;not null;default:''"`
	// Connector is the id of the connector (a directory, an upstream
	// provider) that performed the first factor in place of otpgate's
	// password ("" for otpgate's own); the ID token's idp claim.
	Connector string `gorm:"size:64;not null;default:''"`
	// SignInLinkUser is the account whose emailed sign-in link was opened
	// in this flow (in its browser): its password may be checked here even
	// past the bound of failures from unknown browsers.
	SignInLinkUser string `gorm:"size:64"`

	// AMR lists the authentication methods performed, in order.
	AMR      StringList `gorm:"type:text;not null"`
	ACR      string     `gorm:"size:128"`
	AuthTime *time.Time
	DoneAt   *time.Time
}

// PendingEnrollment is a sealed TOTP secret offered to this flow (never
// accepted from the client), the app chosen, wrong codes so far, and when
// the secret stops being offered; after enrollment, the new recovery
// codes, sealed, until they were shown.
type PendingEnrollment struct {
	PendingSecret    []byte
	PendingApp       string `gorm:"size:64"`
	PendingAttempts  int    `gorm:"not null;default:0"`
	PendingExpiresAt *time.Time
	PendingCodes     []byte
}

// UpstreamLogin is a flow's sign-in at an upstream OpenID provider: what
// its answer is checked against, until that answer comes back once, and
// what the upstream proved.
type UpstreamLogin struct {
	// UpstreamStateHash is the SHA-256 of the state sent to the upstream
	// (the answer finds the flow by it); kept after the answer, so that a
	// replayed answer is told apart from an unknown one.
	UpstreamStateHash string `gorm:"size:64;not null;default:'';index"`
	// UpstreamNonce is the nonce the upstream's ID token must carry and
	// UpstreamVerifier the sealed PKCE verifier; both are cleared by the
	// write that hands them to the answer ("" and nil: nothing pending).
	UpstreamNonce    string `gorm:"size:64;not null;default:''"`
	UpstreamVerifier []byte
	// UpstreamConnector is the connector the browser was sent to, and
	// UpstreamExpiresAt when its answer stops being accepted.
	UpstreamConnector string `gorm:"size:64;not null;default:''"`
	UpstreamExpiresAt *time.Time
	// UpstreamAMR are the upstream's methods (its ID token's amr without
	// "mfa") when an upstream performed the first factor; UpstreamMFAAt is
	// when the upstream's MFA was accepted in place of the passcode (nil:
	// it was not).
	UpstreamAMR   StringList `gorm:"column:upstream_amr;type:text;not null;default:'[]'"`
	UpstreamMFAAt *time.Time `gorm:"column:upstream_mfa_at"`
}

// FlowCode is the authorization code issued for a finished flow.
type FlowCode struct {
	// CodeHash is the SHA-256 of the authorization code issued for the flow.
	CodeHash   string `gorm:"size:64;index"`
	CodeUsedAt *time.Time
}

// Session is a browser's single sign-on session: who signed in, when, and how.
type Session struct {
	// ID is the SHA-256 of the session cookie value; the value itself is never stored.
	ID     string     `gorm:"primaryKey;size:64"`
	UserID string     `gorm:"size:64;not null;index"`
	AMR    StringList `gorm:"type:text;not null"`
	ACR    string     `gorm:"size:128"`
	// IDP is the connector that performed the first factor ("" for
	// otpgate's own password).
	IDP       string `gorm:"column:idp;size:64;not null;default:''"`
	AuthTime  time.Time
	CreatedAt time.Time
	ExpiresAt time.Time `gorm:"index"`
}

// AccessToken is the server-side record of an opaque access token. The
// token handed to the client is an encrypted reference to this row.
type AccessToken struct {
	ID             string     `gorm:"primaryKey;size:64"`
	GrantID        string     `gorm:"size:64;index"`
	RefreshTokenID string     `gorm:"size:64;index"`
	ClientID       string     `gorm:"size:64;not null"`
	UserID         string     `gorm:"size:64;not null;index"`
	Scopes         StringList `gorm:"type:text;not null"`
	Audience       StringList `gorm:"type:text;not null"`
	CreatedAt      time.Time
	ExpiresAt      time.Time `gorm:"index"`
	RevokedAt      *time.Time
}

// RefreshToken is one link of a refresh-token family. Only the SHA-256 of
// the token value is stored. A token is used at most once: using it marks it
// and issues its successor in the same family; presenting a used token
// revokes the whole family.
type RefreshToken struct {
	ID        string     `gorm:"primaryKey;size:64"`
	TokenHash string     `gorm:"uniqueIndex;size:64;not null"`
	FamilyID  string     `gorm:"size:64;not null;index"`
	GrantID   string     `gorm:"size:64;index"`
	ClientID  string     `gorm:"size:64;not null"`
	UserID    string     `gorm:"size:64;not null;index"`
	Scopes    StringList `gorm:"type:text;not null"`
	Audience  StringList `gorm:"type:text;not null"`
	AMR       StringList `gorm:"type:text;not null"`
	ACR       string     `gorm:"size:128"`
	IDP       string     `gorm:"column:idp;size:64;not null;default:''"`
	AuthTime  time.Time
	CreatedAt time.Time
	ExpiresAt time.Time `gorm:"index"`
	UsedAt    *time.Time
	RevokedAt *time.Time
}

// SigningKey is a token-signing key pair. The private key is stored
// encrypted with the configured encryption key. Each algorithm has its own
// keys, rotated together.
type SigningKey struct {
	ID string `gorm:"primaryKey;size:64"`
	// Algorithm is the JWS algorithm the key signs with (RS256, ES256,
	// EdDSA).
	Algorithm  string `gorm:"size:16;not null"`
	PrivateKey []byte `gorm:"not null"`
	CreatedAt  time.Time
	// RetiredAt is set when a newer key takes over signing; the public key
	// stays published until no token signed with it can still be valid.
	RetiredAt *time.Time
	// Certificate is a self-signed X.509 certificate (PEM) holding the
	// public key, published with it as x5c and x5t (Entra ID accepts no key
	// without one). Empty for a key an earlier release stored until
	// start-up gives it one (SetSigningKeyCertificate); once set, it never
	// changes.
	Certificate string `gorm:"not null"`
}

// Device is a user's enrolled TOTP authenticator (one per user). The
// secret is sealed with the user and device ids as associated data.
type Device struct {
	ID     string `gorm:"primaryKey;size:64"`
	UserID string `gorm:"uniqueIndex;size:64;not null"`
	App    string `gorm:"size:64"`
	Secret []byte `gorm:"not null"`
	// LastStep is the last accepted TOTP time step; it only increases.
	LastStep   int64 `gorm:"not null;default:0"`
	EnrolledAt time.Time
	LastUsedAt *time.Time
}

// RecoveryCode is one single-use recovery code, stored as an argon2id hash
// of its normalised form.
type RecoveryCode struct {
	ID        string `gorm:"primaryKey;size:64"`
	UserID    string `gorm:"size:64;not null;index"`
	CodeHash  string `gorm:"size:255;not null"`
	CreatedAt time.Time
	UsedAt    *time.Time
}

// LinkToken is a single-use emailed link: a self-service device reset for
// one flow, or the enrollment proof of an administrator's reset. Only the
// SHA-256 of the token is stored.
type LinkToken struct {
	ID        string `gorm:"primaryKey;size:64"`
	TokenHash string `gorm:"uniqueIndex;size:64;not null"`
	Purpose   string `gorm:"size:16;not null"`
	UserID    string `gorm:"size:64;not null;index"`
	// FlowID binds a reset link to the sign-in that asked for it.
	FlowID    string `gorm:"size:64"`
	CreatedAt time.Time
	ExpiresAt time.Time `gorm:"index"`
	UsedAt    *time.Time
	// Tries counts the wrong codes typed against a LinkCode row.
	Tries int `gorm:"not null;default:0"`
}

// Link token purposes.
const (
	LinkReset = "reset"
	LinkProof = "proof"
	// LinkEnroll is the emailed proof of a first enrollment
	// (mfa.enrollment_proof = email), bound to the sign-in that asked.
	LinkEnroll = "enroll"
	// LinkSignIn lets one sign-in (in its browser) check the password of
	// an account past the bound of failures from unknown browsers.
	LinkSignIn = "signin"
	// LinkCode is the short code an emailed reset link becomes when it is
	// opened in another browser: typed in the sign-in's own browser, it
	// has the link's effect. Its TokenHash covers the flow and the code.
	LinkCode = "reset_code"
)

// UsesPrivateKeyJWT reports whether the client authenticates at the token
// endpoint with a JWT signed by one of its registered keys
// (private_key_jwt): a factor-only client registered with keys and
// without a secret.
func (c *Client) UsesPrivateKeyJWT() bool {
	return c.Mode == ModeSecondFactor && c.JWKS != "" && c.SecretHash == "" && !c.Public
}

// GrantClientCredentials is the client credentials grant (RFC 6749 §4.4),
// of machine clients (Client.GrantTypes).
const GrantClientCredentials = "client_credentials"

// The admin API's scopes (Client.AllowedScopes).
const (
	ScopeAdminRead  = "admin:read"
	ScopeAdminWrite = "admin:write"
)

// UsesClientCredentials reports whether c is a machine client: it gets
// tokens for itself by the client credentials grant, and signs nobody in.
func (c *Client) UsesClientCredentials() bool {
	return slices.Contains(c.GrantTypes, GrantClientCredentials)
}

// Client modes (Client.Mode).
const (
	ModeFull         = ""
	ModeSecondFactor = "second_factor"
	ModeEntraEAM     = "entra_eam"
)

// First factors of a flow (FlowProgress.FirstFactor).
const (
	FirstFactorOurs   = ""
	FirstFactorEntra  = "entra"
	FirstFactorCaller = "caller"
	// FirstFactorNamed: the relying party named the user without proof
	// (a trusted client's plain login_hint); nobody vouched for a first
	// factor, so a first enrollment always needs a proof.
	FirstFactorNamed = "named"
	// FirstFactorTyped: nobody named the user; the person typed a
	// username at otpgate's username step (NameFlow). A name is no proof
	// of anything: its passcode guesses spend the throttling budgets of a
	// password, never the passcode lockout, so that whoever knows a
	// username cannot lock its owner out.
	FirstFactorTyped = "typed"
)

// UserLink binds an identity elsewhere to an account: an Entra user
// (Provider "entra:" + tenant id, Subject the object id), later a
// directory's or an upstream provider's. One identity names one account
// for good; an account may have several.
type UserLink struct {
	Provider  string `gorm:"primaryKey;size:128"`
	Subject   string `gorm:"primaryKey;size:255"`
	UserID    string `gorm:"size:64;not null;index"`
	CreatedAt time.Time
}

// KnownBrowser is a browser that finished a sign-in to an account: its
// device cookie's SHA-256 (one cookie per browser, one row per account it
// signed in to) and the password/answer counters of its own budget, which
// failures from other browsers never touch.
type KnownBrowser struct {
	UserID    string `gorm:"primaryKey;size:64"`
	TokenHash string `gorm:"primaryKey;size:64"`
	CreatedAt time.Time
	// LastUsedAt (unix seconds) is its latest sign-in; it is known for the
	// configured lifetime after that.
	LastUsedAt       int64 `gorm:"not null;default:0;index"`
	LoginFailures    int   `gorm:"not null;default:0"`
	LoginLockLevel   int   `gorm:"not null;default:0"`
	LoginLockedUntil int64 `gorm:"not null;default:0"`
	LoginReservedAt  int64 `gorm:"not null;default:0"`
}

// LoginThrottle holds the counters of a name that is no (enabled)
// account, keyed by an HMAC of the normalised name, so that a name that
// does not exist is throttled exactly like one that does.
type LoginThrottle struct {
	NameHash         string `gorm:"primaryKey;size:64"`
	LoginFailures    int    `gorm:"not null;default:0"`
	LoginLockLevel   int    `gorm:"not null;default:0"`
	LoginLockedUntil int64  `gorm:"not null;default:0"`
	LoginReservedAt  int64  `gorm:"not null;default:0;index"`
	UnknownFailures  int    `gorm:"not null;default:0"`
}

// RememberedBrowser is a browser a person let skip the passcode after
// passing one ("don't ask for a passcode on this browser"): the browser
// keeps a random token in a cookie, of which only the SHA-256 is stored
// (TokenHash, the lookup key, never shown); ID is a separate random
// identifier that lists and revokes it. A row lives until ExpiresAt,
// and goes with any device reset or password change of its account.
type RememberedBrowser struct {
	ID        string `gorm:"primaryKey;size:64"`
	TokenHash string `gorm:"uniqueIndex;size:64;not null"`
	UserID    string `gorm:"size:64;not null;index"`
	// DeviceID is the device whose passcode earned it: it counts only
	// while that device is the account's (a replacement asks again).
	DeviceID string `gorm:"size:64;not null;default:''"`
	// ClientID is the client of the sign-in that remembered it.
	ClientID string `gorm:"size:64;not null;default:''"`
	// Label names the browser to its owner ("Firefox on Windows").
	Label      string `gorm:"size:64;not null;default:''"`
	CreatedAt  time.Time
	ExpiresAt  time.Time `gorm:"index"`
	LastUsedAt time.Time
}
