package config

import (
	"crypto/x509"
	"fmt"
	"net"
	"net/url"
	"regexp"
	"strings"
)

// Connector is a first factor otpgate puts its passcode step behind: a
// directory (type ldap, LDAP or Active Directory) whose password the
// password page checks, or an upstream OpenID provider (type oidc) the
// password page offers as a button. Its ID names it in the ID token's
// idp claim, in account links and in the audit log.
type Connector struct {
	// ID: 1-32 characters from a-z 0-9 and -, unique; it must not change
	// once people signed in with it (their accounts are linked by it).
	ID string `yaml:"id"`
	// Type is ldap or oidc.
	Type string `yaml:"type"`
	// Name is shown to people: the upstream provider's button, the
	// directory's name on the password page.
	Name string `yaml:"name"`
	// Config holds the type's settings.
	Config ConnectorConfig `yaml:"config"`
}

// ConnectorConfig holds the settings of every connector type (Dex's
// shape, in snake_case); Validate refuses a key of another type.
type ConnectorConfig struct {
	// ldap

	// Host is the directory's host:port (636 for LDAPS, 389 for StartTLS
	// or plain LDAP when no port is given).
	Host string `yaml:"host"`
	// InsecureNoSSL speaks plain LDAP: passwords cross the network in the
	// clear. Only when explicitly true.
	InsecureNoSSL bool `yaml:"insecure_no_ssl"`
	// StartTLS upgrades a plain connection with StartTLS instead of LDAPS.
	StartTLS bool `yaml:"start_tls"`
	// RootCAFile is a PEM file of the CA the directory's certificate is
	// checked against (the system's roots otherwise).
	RootCAFile string `yaml:"root_ca_file"`
	// BindDN and BindPassword (or BindPasswordFile) are the service account
	// that searches for users; both empty binds anonymously.
	BindDN           string `yaml:"bind_dn"`
	BindPassword     string `yaml:"bind_password"`
	BindPasswordFile string `yaml:"bind_password_file"`
	// UserSearch finds the person by the typed username.
	UserSearch LDAPUserSearch `yaml:"user_search"`
	// GroupSearch, when its base_dn is set, finds the person's groups.
	GroupSearch LDAPGroupSearch `yaml:"group_search"`
	// SecurityQuestion asks otpgate's security question of directory
	// users too (off by default: the directory owns their knowledge
	// factors).
	SecurityQuestion bool `yaml:"security_question"`
	// LocalPasswords lets accounts that belong to no connector sign in
	// with their otpgate password beside the directory (the password page
	// then offers a choice). Off by default: the directory replaces the
	// local password form.
	LocalPasswords bool `yaml:"local_passwords"`

	// oidc

	// Issuer is the upstream provider's issuer URL (https; its discovery
	// document is read at start).
	Issuer string `yaml:"issuer"`
	// ClientID and ClientSecret (or ClientSecretFile) are otpgate's client
	// registration at the upstream; its redirect URI is
	// <issuer>/login/connector/<id>/callback.
	ClientID         string `yaml:"client_id"`
	ClientSecret     string `yaml:"client_secret"`
	ClientSecretFile string `yaml:"client_secret_file"`
	// Scopes requested besides openid (default profile and email).
	Scopes []string `yaml:"scopes"`
	// TrustUpstreamMFA skips otpgate's passcode when the upstream ID
	// token's amr proves a second factor (and its acr is one of
	// MFAACRValues, when those are given).
	TrustUpstreamMFA bool     `yaml:"trust_upstream_mfa"`
	MFAACRValues     []string `yaml:"mfa_acr_values"`
	// Claims maps the upstream's claims to the account's username, email
	// and display name (defaults preferred_username, email, name).
	Claims ClaimMapping `yaml:"claims"`
}

// LDAPUserSearch is how a directory connector finds a person.
type LDAPUserSearch struct {
	// BaseDN is where the search starts (required).
	BaseDN string `yaml:"base_dn"`
	// Filter narrows the search, e.g. (objectClass=inetOrgPerson); the
	// typed username is matched by Username, escaped.
	Filter string `yaml:"filter"`
	// Username is the attribute the typed username is matched against
	// (default uid; sAMAccountName for Active Directory).
	Username string `yaml:"username"`
	// IDAttr is the stable, never reused identifier accounts are linked
	// by (default entryUUID; objectGUID for Active Directory).
	IDAttr string `yaml:"id_attr"`
	// EmailAttr and NameAttr fill the account's email and display name
	// (default mail and cn).
	EmailAttr string `yaml:"email_attr"`
	NameAttr  string `yaml:"name_attr"`
}

// LDAPGroupSearch finds the groups a person is a member of.
type LDAPGroupSearch struct {
	BaseDN string `yaml:"base_dn"`
	Filter string `yaml:"filter"`
	// UserAttr of the person is matched against GroupAttr of the group
	// (default DN against member).
	UserAttr  string `yaml:"user_attr"`
	GroupAttr string `yaml:"group_attr"`
	// NameAttr is the group's name (default cn).
	NameAttr string `yaml:"name_attr"`
}

// ClaimMapping names the upstream claims an account is filled from.
type ClaimMapping struct {
	Username string `yaml:"username"`
	Email    string `yaml:"email"`
	Name     string `yaml:"name"`
}

// Connector types.
const (
	ConnectorLDAP = "ldap"
	ConnectorOIDC = "oidc"
)

var connectorIDPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,31}$`)

// validateConnectors checks the connectors: unique ids, known types, each
// type's required settings and no other type's, and at most one
// directory (the password page checks one).
func validateConnectors(cs []Connector, p *problems) {
	seen := map[string]bool{}
	directories := 0
	for i := range cs {
		c := &cs[i]
		key := fmt.Sprintf("connectors[%d]", i)
		switch {
		case !connectorIDPattern.MatchString(c.ID):
			p.add(key+".id", "must be 1-32 characters from a-z, 0-9 and -, starting with a letter or digit (got %q)", c.ID)
		case seen[c.ID]:
			p.add(key+".id", "%q is used by another connector", c.ID)
		}
		seen[c.ID] = true
		if strings.TrimSpace(c.Name) == "" {
			p.add(key+".name", "is required: people see it")
		}
		switch c.Type {
		case ConnectorLDAP:
			directories++
			if directories == 2 {
				p.add(key+".type", "only one ldap connector is supported: the password page checks one directory")
			}
			c.Config.validateLDAP(key+".config", p)
		case ConnectorOIDC:
			c.Config.validateOIDC(key+".config", p)
		default:
			p.add(key+".type", "must be ldap or oidc (got %q)", c.Type)
		}
	}
}

func (c *ConnectorConfig) validateLDAP(key string, p *problems) {
	if c.Host == "" {
		p.add(key+".host", "is required (host:port of the directory)")
	} else if _, _, err := net.SplitHostPort(c.LDAPAddress()); err != nil {
		p.add(key+".host", "must be host or host:port (got %q)", c.Host)
	}
	if c.InsecureNoSSL && c.StartTLS {
		p.add(key+".start_tls", "cannot be used with insecure_no_ssl")
	}
	if c.InsecureNoSSL && c.RootCAFile != "" {
		p.add(key+".root_ca_file", "is not used with insecure_no_ssl")
	}
	if c.RootCAFile != "" {
		if _, err := c.RootCAs(); err != nil {
			p.add(key+".root_ca_file", "%v", err)
		}
	}
	if (c.BindDN == "") != (c.BindPassword == "") {
		p.add(key+".bind_password", "bind_dn and bind_password (or bind_password_file) go together")
	}
	if c.UserSearch.BaseDN == "" {
		p.add(key+".user_search.base_dn", "is required")
	}
	if f := c.UserSearch.Filter; f != "" && (!strings.HasPrefix(f, "(") || !strings.HasSuffix(f, ")")) {
		p.add(key+".user_search.filter", "must be an LDAP filter in parentheses (got %q)", f)
	}
	if f := c.GroupSearch.Filter; f != "" && (!strings.HasPrefix(f, "(") || !strings.HasSuffix(f, ")")) {
		p.add(key+".group_search.filter", "must be an LDAP filter in parentheses (got %q)", f)
	}
	for name, set := range map[string]bool{"issuer": c.Issuer != "", "client_id": c.ClientID != "",
		"client_secret": c.ClientSecret != "", "scopes": len(c.Scopes) > 0, "trust_upstream_mfa": c.TrustUpstreamMFA,
		"mfa_acr_values": len(c.MFAACRValues) > 0, "claims": c.Claims != ClaimMapping{}} {
		if set {
			p.add(key+"."+name, "is a setting of oidc connectors, not ldap")
		}
	}
}

func (c *ConnectorConfig) validateOIDC(key string, p *problems) {
	if u, err := url.Parse(c.Issuer); err != nil || u.Host == "" || u.RawQuery != "" || u.Fragment != "" ||
		(u.Scheme != "https" && !(u.Scheme == "http" && isLoopbackHost(u.Hostname()))) {
		p.add(key+".issuer", "must be an https URL without query (http only on a loopback address)")
	}
	if c.ClientID == "" {
		p.add(key+".client_id", "is required")
	}
	if c.ClientSecret == "" {
		p.add(key+".client_secret", "is required (or client_secret_file)")
	}
	if len(c.MFAACRValues) > 0 && !c.TrustUpstreamMFA {
		p.add(key+".mfa_acr_values", "is used only with trust_upstream_mfa: true")
	}
	for name, set := range map[string]bool{"host": c.Host != "", "insecure_no_ssl": c.InsecureNoSSL,
		"start_tls": c.StartTLS, "root_ca_file": c.RootCAFile != "", "bind_dn": c.BindDN != "",
		"bind_password": c.BindPassword != "", "user_search": c.UserSearch != LDAPUserSearch{},
		"group_search": c.GroupSearch != LDAPGroupSearch{}, "security_question": c.SecurityQuestion,
		"local_passwords": c.LocalPasswords} {
		if set {
			p.add(key+"."+name, "is a setting of ldap connectors, not oidc")
		}
	}
}

// LDAPAddress is Host with the default port added when it has none: 389
// for plain LDAP and StartTLS, 636 for LDAPS.
func (c *ConnectorConfig) LDAPAddress() string {
	if _, _, err := net.SplitHostPort(c.Host); err == nil {
		return c.Host
	}
	port := "636"
	if c.InsecureNoSSL || c.StartTLS {
		port = "389"
	}
	return net.JoinHostPort(strings.Trim(c.Host, "[]"), port)
}

// RootCAs is the system's pool with RootCAFile's certificates added (nil,
// nil when there is no RootCAFile).
func (c *ConnectorConfig) RootCAs() (*x509.CertPool, error) { return systemPoolWith(c.RootCAFile) }

// applyConnectorSecretFiles reads each connector's bind_password_file and
// client_secret_file (set either the value or its file, not both).
func (c *Config) applyConnectorSecretFiles(e *envReader) {
	for i := range c.Connectors {
		cc := &c.Connectors[i].Config
		for _, s := range []struct {
			name        string
			file, value *string
		}{{"bind_password", &cc.BindPasswordFile, &cc.BindPassword}, {"client_secret", &cc.ClientSecretFile, &cc.ClientSecret}} {
			if *s.file == "" {
				continue
			}
			key := fmt.Sprintf("connectors[%d].config.%s_file", i, s.name)
			if *s.value != "" {
				e.fail(key, fmt.Errorf("set either %s or %s_file, not both", s.name, s.name))
				continue
			}
			v, err := readSecretFile(*s.file)
			if err != nil {
				e.fail(key, err)
				continue
			}
			*s.value = v
		}
	}
}

// ConnectorByID is the connector with id (nil when none).
func (c *Config) ConnectorByID(id string) *Connector {
	for i := range c.Connectors {
		if c.Connectors[i].ID == id {
			return &c.Connectors[i]
		}
	}
	return nil
}
