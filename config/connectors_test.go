package config_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/otpgate/otpgate/config"
)

// issueConnectors is the connectors section exactly as administrators
// (and the black-box tests) write it.
const issueConnectors = `
issuer: https://login.example.com
encryption_key_file: /etc/otpgate/key
connectors:
  - id: corp-ldap                 # also the value of the ID token's idp claim
    type: ldap
    name: Corporate directory
    config:
      host: 127.0.0.1:3389
      insecure_no_ssl: true       # plain LDAP only when explicitly true
      root_ca_file: ""            # a CA for LDAPS/StartTLS
      bind_dn: cn=admin,dc=example,dc=org
      bind_password: secret       # or bind_password_file
      user_search:
        base_dn: ou=people,dc=example,dc=org
        filter: "(&(objectClass=inetOrgPerson)(!(employeeType=disabled)))"
        username: uid
        id_attr: entryUUID
        email_attr: mail
        name_attr: cn
  - id: upstream-idp
    type: oidc
    name: Partner sign-in
    config:
      issuer: https://idp.example.com
      client_id: otpgate
      client_secret: secret       # or client_secret_file
      trust_upstream_mfa: true    # skip our passcode when the upstream's amr proves a second factor
`

func TestConnectorsAsWritten(t *testing.T) {
	c, err := config.LoadValidated(config.Overrides{ConfigFile: writeFile(t, "otpgate.yaml", issueConnectors)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Connectors) != 2 {
		t.Fatalf("%d connectors, want 2", len(c.Connectors))
	}
	ldap, oidc := c.ConnectorByID("corp-ldap"), c.ConnectorByID("upstream-idp")
	if ldap == nil || ldap.Type != config.ConnectorLDAP || ldap.Config.BindPassword != "secret" ||
		ldap.Config.UserSearch.IDAttr != "entryUUID" || !ldap.Config.InsecureNoSSL || ldap.Config.LDAPAddress() != "127.0.0.1:3389" {
		t.Fatalf("ldap connector read as %+v", ldap)
	}
	if oidc == nil || oidc.Type != config.ConnectorOIDC || oidc.Config.ClientSecret != "secret" || !oidc.Config.TrustUpstreamMFA {
		t.Fatalf("oidc connector read as %+v", oidc)
	}
}

func TestConnectorSecretFiles(t *testing.T) {
	dir := t.TempDir()
	bind, client := filepath.Join(dir, "bind"), filepath.Join(dir, "client")
	if err := os.WriteFile(bind, []byte("bind-from-file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(client, []byte("client-from-file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	yaml := strings.Replace(issueConnectors, "bind_password: secret", "bind_password_file: "+bind, 1)
	yaml = strings.Replace(yaml, "client_secret: secret", "client_secret_file: "+client, 1)
	c, err := config.LoadValidated(config.Overrides{ConfigFile: writeFile(t, "otpgate.yaml", yaml)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := c.ConnectorByID("corp-ldap").Config.BindPassword; got != "bind-from-file" {
		t.Fatalf("bind password %q", got)
	}
	if got := c.ConnectorByID("upstream-idp").Config.ClientSecret; got != "client-from-file" {
		t.Fatalf("client secret %q", got)
	}
	// Both the value and its file: refused, and the value is never echoed.
	both := strings.Replace(issueConnectors, "bind_password: secret", "bind_password: secret\n      bind_password_file: "+bind, 1)
	_, err = config.LoadValidated(config.Overrides{ConfigFile: writeFile(t, "otpgate.yaml", both)}, nil)
	assertContainsAll(t, err, "connectors[0].config.bind_password_file: set either bind_password or bind_password_file, not both")
	if err != nil && strings.Contains(err.Error(), "bind-from-file") {
		t.Fatalf("the error shows the secret: %v", err)
	}
}

func TestConnectorProblems(t *testing.T) {
	for _, tc := range []struct {
		name, from, to string
		want           []string
	}{
		{"duplicate id", "id: upstream-idp", "id: corp-ldap", []string{`connectors[1].id: "corp-ldap" is used by another connector`}},
		{"bad id", "id: upstream-idp", "id: Upstream_IdP", []string{"connectors[1].id: must be 1-32 characters"}},
		{"unknown type", "type: oidc", "type: saml", []string{`connectors[1].type: must be ldap or oidc (got "saml")`}},
		{"no name", "name: Partner sign-in", "name: \"\"", []string{"connectors[1].name: is required"}},
		{"no host", "host: 127.0.0.1:3389", "host: \"\"", []string{"connectors[0].config.host: is required"}},
		{"plain and StartTLS", "insecure_no_ssl: true", "insecure_no_ssl: true\n      start_tls: true", []string{"connectors[0].config.start_tls: cannot be used with insecure_no_ssl"}},
		{"bind DN without password", "bind_password: secret", "bind_password: \"\"", []string{"connectors[0].config.bind_password: bind_dn and bind_password"}},
		{"no base DN", "base_dn: ou=people,dc=example,dc=org", "base_dn: \"\"", []string{"connectors[0].config.user_search.base_dn: is required"}},
		{"filter without parentheses", `filter: "(&(objectClass=inetOrgPerson)(!(employeeType=disabled)))"`, "filter: objectClass=person", []string{"connectors[0].config.user_search.filter: must be an LDAP filter"}},
		{"an oidc key on ldap", "insecure_no_ssl: true", "insecure_no_ssl: true\n      client_id: x", []string{"connectors[0].config.client_id: is a setting of oidc connectors, not ldap"}},
		{"an ldap key on oidc", "trust_upstream_mfa: true", "trust_upstream_mfa: true\n      host: ldap.example.com", []string{"connectors[1].config.host: is a setting of ldap connectors, not oidc"}},
		{"http issuer", "issuer: https://idp.example.com", "issuer: http://idp.example.com", []string{"connectors[1].config.issuer: must be an https URL"}},
		{"no client secret", "client_secret: secret", "client_secret: \"\"", []string{"connectors[1].config.client_secret: is required"}},
		{"acr values without trust", "trust_upstream_mfa: true", "mfa_acr_values: [mfa]", []string{"connectors[1].config.mfa_acr_values: is used only with trust_upstream_mfa: true"}},
		{"two directories", "type: oidc", "type: ldap", []string{"connectors[1].type: only one ldap connector is supported"}},
		{"unknown key", "client_id: otpgate", "client_id: otpgate\n      clientid: otpgate", []string{"connectors[1].config.clientid"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			yaml := strings.Replace(issueConnectors, tc.from, tc.to, 1)
			if yaml == issueConnectors {
				t.Fatalf("%q is not in the configuration", tc.from)
			}
			_, err := config.LoadValidated(config.Overrides{ConfigFile: writeFile(t, "otpgate.yaml", yaml)}, nil)
			assertContainsAll(t, err, tc.want...)
		})
	}
}
