// Package ldap is the directory connector: LDAP or Active Directory checks
// the password of the password page (github.com/go-ldap/ldap/v3). A
// sign-in connects (LDAPS, StartTLS, or plain LDAP only when configured
// so), binds with the service account, finds the person by the typed
// username (escaped into the configured filter), binds as the person
// with their password, and reads their stable identifier, email, name
// and, when configured, groups.
package ldap

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	goldap "github.com/go-ldap/ldap/v3"

	"github.com/otpgate/otpgate/provider/connector"
)

// Config is a directory connector's settings (config.ConnectorConfig's
// ldap part, defaults not yet applied).
type Config struct {
	ID, Name string
	// Address is host:port.
	Address       string
	InsecureNoSSL bool
	StartTLS      bool
	// RootCAs checks the directory's certificate (the system's pool when nil).
	RootCAs              *x509.CertPool
	BindDN, BindPassword string
	UserSearch           UserSearch
	GroupSearch          GroupSearch
	// Timeout bounds each sign-in's exchange with the directory (default
	// ten seconds).
	Timeout time.Duration
}

// UserSearch finds the person.
type UserSearch struct {
	BaseDN, Filter                        string
	Username, IDAttr, EmailAttr, NameAttr string
}

// GroupSearch finds the person's groups (none when BaseDN is empty).
type GroupSearch struct {
	BaseDN, Filter, UserAttr, GroupAttr, NameAttr string
}

// Connector is a directory.
type Connector struct {
	cfg Config
}

// New returns the directory connector of cfg, its defaults applied.
func New(cfg Config) (*Connector, error) {
	if cfg.Address == "" || cfg.UserSearch.BaseDN == "" {
		return nil, errors.New("ldap connector: address and user search base DN are required")
	}
	def := func(s *string, v string) {
		if *s == "" {
			*s = v
		}
	}
	def(&cfg.UserSearch.Username, "uid")
	def(&cfg.UserSearch.IDAttr, "entryUUID")
	def(&cfg.UserSearch.EmailAttr, "mail")
	def(&cfg.UserSearch.NameAttr, "cn")
	def(&cfg.GroupSearch.GroupAttr, "member")
	def(&cfg.GroupSearch.NameAttr, "cn")
	def(&cfg.GroupSearch.Filter, "(objectClass=*)")
	if cfg.Timeout == 0 {
		cfg.Timeout = 10 * time.Second
	}
	return &Connector{cfg: cfg}, nil
}

// ID is the connector's id.
func (c *Connector) ID() string { return c.cfg.ID }

// Name is shown to people.
func (c *Connector) Name() string { return c.cfg.Name }

// maxPasswordLen bounds a password sent to the directory.
const maxPasswordLen = 1024

// Login checks username and password against the directory (see
// connector.PasswordConnector). An empty password is refused before the
// directory is asked: LDAP takes a simple bind without one as an
// anonymous bind, which succeeds.
func (c *Connector) Login(ctx context.Context, username, password string) (connector.Identity, error) {
	if username == "" || password == "" || len(password) > maxPasswordLen {
		return connector.Identity{}, connector.ErrInvalidCredentials
	}
	conn, err := c.dial(ctx)
	if err != nil {
		return connector.Identity{}, err
	}
	defer conn.Close()
	entry, err := c.findUser(conn, username)
	if err != nil {
		return connector.Identity{}, err
	}
	if err := c.bindAs(conn, entry.DN, password); err != nil {
		return connector.Identity{}, err
	}
	id, err := c.identity(entry)
	if err != nil {
		return connector.Identity{}, err
	}
	if c.cfg.GroupSearch.BaseDN != "" {
		// Searched as the service account: the person's own bind may not
		// see groups.
		if err := c.serviceBind(conn); err != nil {
			return connector.Identity{}, err
		}
		if id.Groups, err = c.groups(conn, entry); err != nil {
			return connector.Identity{}, err
		}
	}
	return id, nil
}

// Check connects, binds as the service account and reads the user
// search's base entry.
func (c *Connector) Check(ctx context.Context) error {
	conn, err := c.dial(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	req := goldap.NewSearchRequest(c.cfg.UserSearch.BaseDN, goldap.ScopeBaseObject, goldap.NeverDerefAliases,
		1, c.timeLimit(), false, "(objectClass=*)", []string{"1.1"}, nil)
	if _, err := conn.Search(req); err != nil {
		return unavailable("read the user search base %q: %v", c.cfg.UserSearch.BaseDN, err)
	}
	return nil
}

func unavailable(format string, args ...any) error {
	return fmt.Errorf("%w: %s", connector.ErrUnavailable, fmt.Sprintf(format, args...))
}

func (c *Connector) timeLimit() int { return int(c.cfg.Timeout / time.Second) }

// dial connects over LDAPS, or plain LDAP upgraded by StartTLS, or (only
// when configured so) plain LDAP, and binds as the service account.
func (c *Connector) dial(ctx context.Context) (*goldap.Conn, error) {
	host, _, err := net.SplitHostPort(c.cfg.Address)
	if err != nil {
		return nil, unavailable("address %q: %v", c.cfg.Address, err)
	}
	tlsConfig := &tls.Config{ServerName: host, RootCAs: c.cfg.RootCAs, MinVersion: tls.VersionTLS12}
	dialer := &net.Dialer{Timeout: c.cfg.Timeout}
	if deadline, ok := ctx.Deadline(); ok {
		dialer.Deadline = deadline
	}
	var conn *goldap.Conn
	switch {
	case c.cfg.InsecureNoSSL || c.cfg.StartTLS:
		conn, err = goldap.DialURL("ldap://"+c.cfg.Address, goldap.DialWithDialer(dialer))
	default:
		conn, err = goldap.DialURL("ldaps://"+c.cfg.Address, goldap.DialWithTLSDialer(tlsConfig, dialer))
	}
	if err != nil {
		return nil, unavailable("connect to %s: %v", c.cfg.Address, err)
	}
	conn.SetTimeout(c.cfg.Timeout)
	if c.cfg.StartTLS {
		if err := conn.StartTLS(tlsConfig); err != nil {
			conn.Close()
			return nil, unavailable("StartTLS with %s: %v", c.cfg.Address, err)
		}
	}
	if err := c.serviceBind(conn); err != nil {
		conn.Close()
		return nil, err
	}
	return conn, nil
}

// serviceBind binds as the service account (anonymous when none).
func (c *Connector) serviceBind(conn *goldap.Conn) error {
	var err error
	if c.cfg.BindDN == "" {
		err = conn.UnauthenticatedBind("")
	} else {
		err = conn.Bind(c.cfg.BindDN, c.cfg.BindPassword)
	}
	if err != nil {
		// The service account's password never appears here: only its DN.
		return unavailable("bind as the service account %q: %v", c.cfg.BindDN, errCode(err))
	}
	return nil
}

// errCode is an LDAP error without the server's diagnostic text (which
// may echo what was sent).
func errCode(err error) string {
	var le *goldap.Error
	if errors.As(err, &le) {
		return fmt.Sprintf("LDAP result %d (%s)", le.ResultCode, goldap.LDAPResultCodeMap[le.ResultCode])
	}
	return err.Error()
}

// findUser is the one entry the user search finds for username;
// ErrInvalidCredentials when there is none, or more than one.
func (c *Connector) findUser(conn *goldap.Conn, username string) (*goldap.Entry, error) {
	s := c.cfg.UserSearch
	filter := "(" + s.Username + "=" + goldap.EscapeFilter(username) + ")"
	if s.Filter != "" {
		filter = "(&" + s.Filter + filter + ")"
	}
	attrs := []string{s.IDAttr, s.Username, s.EmailAttr, s.NameAttr}
	if a := c.cfg.GroupSearch.UserAttr; a != "" {
		attrs = append(attrs, a)
	}
	req := goldap.NewSearchRequest(s.BaseDN, goldap.ScopeWholeSubtree, goldap.NeverDerefAliases,
		2, c.timeLimit(), false, filter, attrs, nil)
	res, err := conn.Search(req)
	if err != nil && !goldap.IsErrorWithCode(err, goldap.LDAPResultSizeLimitExceeded) {
		if goldap.IsErrorWithCode(err, goldap.LDAPResultNoSuchObject) {
			return nil, unavailable("the user search base %q does not exist", s.BaseDN)
		}
		return nil, unavailable("user search: %v", errCode(err))
	}
	if res == nil || len(res.Entries) != 1 {
		return nil, connector.ErrInvalidCredentials
	}
	return res.Entries[0], nil
}

// Password policy (draft-behera-ldap-password-policy) errors.
const (
	ppolicyPasswordExpired  = 0
	ppolicyAccountLocked    = 1
	ppolicyChangeAfterReset = 2
)

// bindAs binds as dn with password and reads the password policy's
// answer: the directory's refusal becomes ErrInvalidCredentials or a
// *connector.PolicyError.
func (c *Connector) bindAs(conn *goldap.Conn, dn, password string) error {
	req := goldap.NewSimpleBindRequest(dn, password, []goldap.Control{goldap.NewControlBeheraPasswordPolicy()})
	res, err := conn.SimpleBind(req)
	var policy *goldap.ControlBeheraPasswordPolicy
	if res != nil {
		policy, _ = goldap.FindControl(res.Controls, goldap.ControlTypeBeheraPasswordPolicy).(*goldap.ControlBeheraPasswordPolicy)
	}
	if err == nil {
		if policy != nil && policy.Error == ppolicyChangeAfterReset {
			return &connector.PolicyError{Reason: connector.MustChange, PasswordRight: true}
		}
		return nil
	}
	if policy != nil {
		switch policy.Error {
		case ppolicyPasswordExpired:
			return &connector.PolicyError{Reason: connector.PasswordExpired, PasswordRight: true}
		case ppolicyAccountLocked:
			return &connector.PolicyError{Reason: connector.AccountLocked}
		case ppolicyChangeAfterReset:
			return &connector.PolicyError{Reason: connector.MustChange, PasswordRight: true}
		}
	}
	if goldap.IsErrorWithCode(err, goldap.LDAPResultInvalidCredentials) {
		return adReason(err)
	}
	return unavailable("bind as the person: %v", errCode(err))
}

// adReason reads Active Directory's reason for a refused bind from the
// diagnostic message's "data NNN" (Microsoft's documented sub-codes):
// 532 password expired, 773 must change, 775 locked; anything else (525
// no such user, 52e wrong password, 533 disabled, …) is a wrong username
// or password.
func adReason(err error) error {
	var le *goldap.Error
	if !errors.As(err, &le) || le.Err == nil {
		return connector.ErrInvalidCredentials
	}
	msg := le.Err.Error()
	switch {
	case strings.Contains(msg, "data 532"):
		return &connector.PolicyError{Reason: connector.PasswordExpired, PasswordRight: true}
	case strings.Contains(msg, "data 773"):
		return &connector.PolicyError{Reason: connector.MustChange, PasswordRight: true}
	case strings.Contains(msg, "data 775"):
		return &connector.PolicyError{Reason: connector.AccountLocked}
	}
	return connector.ErrInvalidCredentials
}

// identity reads the person's entry.
func (c *Connector) identity(e *goldap.Entry) (connector.Identity, error) {
	s := c.cfg.UserSearch
	subject := stableID(s.IDAttr, e.GetRawAttributeValue(s.IDAttr))
	if subject == "" {
		return connector.Identity{}, unavailable("the entry of the person has no %s (user_search.id_attr)", s.IDAttr)
	}
	return connector.Identity{Subject: subject, Username: e.GetAttributeValue(s.Username),
		Email: e.GetAttributeValue(s.EmailAttr), Name: e.GetAttributeValue(s.NameAttr)}, nil
}

// stableID is the identifier attribute as text: Active Directory's
// binary objectGUID in its usual form (the first three groups
// little-endian), anything else as it is.
func stableID(attr string, raw []byte) string {
	if strings.EqualFold(attr, "objectGUID") && len(raw) == 16 {
		return fmt.Sprintf("%08x-%04x-%04x-%x-%x", binary.LittleEndian.Uint32(raw[0:4]),
			binary.LittleEndian.Uint16(raw[4:6]), binary.LittleEndian.Uint16(raw[6:8]), raw[8:10], raw[10:16])
	}
	return string(raw)
}

// maxGroups bounds the groups read for one person.
const maxGroups = 1000

// groups are the names of the groups whose GroupAttr holds the person's
// UserAttr (their DN when none is set).
func (c *Connector) groups(conn *goldap.Conn, e *goldap.Entry) ([]string, error) {
	g := c.cfg.GroupSearch
	value := e.DN
	if g.UserAttr != "" {
		value = e.GetAttributeValue(g.UserAttr)
	}
	filter := "(&" + g.Filter + "(" + g.GroupAttr + "=" + goldap.EscapeFilter(value) + "))"
	req := goldap.NewSearchRequest(g.BaseDN, goldap.ScopeWholeSubtree, goldap.NeverDerefAliases,
		maxGroups, c.timeLimit(), false, filter, []string{g.NameAttr}, nil)
	res, err := conn.Search(req)
	if err != nil {
		return nil, unavailable("group search: %v", errCode(err))
	}
	names := make([]string, 0, len(res.Entries))
	for _, ge := range res.Entries {
		if n := ge.GetAttributeValue(g.NameAttr); n != "" {
			names = append(names, n)
		}
	}
	return names, nil
}
