package main

import (
	"context"
	"fmt"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/otpgate/otpgate/config"
	"github.com/otpgate/otpgate/provider/connector"
	"github.com/otpgate/otpgate/provider/connector/ldap"
	"github.com/otpgate/otpgate/provider/connector/oidc"
)

// directoryConnector is the configured directory connector (nil when the
// configuration has none).
func directoryConnector(cfg *config.Config) (connector.PasswordConnector, *config.Connector, error) {
	for i := range cfg.Connectors {
		cc := &cfg.Connectors[i]
		if cc.Type != config.ConnectorLDAP {
			continue
		}
		dir, err := newLDAPConnector(cc)
		if err != nil {
			return nil, nil, err
		}
		return dir, cc, nil
	}
	return nil, nil, nil
}

// newLDAPConnector builds the directory connector of cc.
func newLDAPConnector(cc *config.Connector) (*ldap.Connector, error) {
	c := cc.Config
	pool, err := c.RootCAs()
	if err != nil {
		return nil, fmt.Errorf("connector %s: root_ca_file: %w", cc.ID, err)
	}
	return ldap.New(ldap.Config{ID: cc.ID, Name: cc.Name, Address: c.LDAPAddress(), InsecureNoSSL: c.InsecureNoSSL,
		StartTLS: c.StartTLS, RootCAs: pool, BindDN: c.BindDN, BindPassword: c.BindPassword,
		UserSearch: ldap.UserSearch{BaseDN: c.UserSearch.BaseDN, Filter: c.UserSearch.Filter, Username: c.UserSearch.Username,
			IDAttr: c.UserSearch.IDAttr, EmailAttr: c.UserSearch.EmailAttr, NameAttr: c.UserSearch.NameAttr},
		GroupSearch: ldap.GroupSearch{BaseDN: c.GroupSearch.BaseDN, Filter: c.GroupSearch.Filter, UserAttr: c.GroupSearch.UserAttr,
			GroupAttr: c.GroupSearch.GroupAttr, NameAttr: c.GroupSearch.NameAttr}})
}

// upstreamConnectors are the configured upstream OpenID providers, in
// configuration order; otpgate's redirect URI at each is
// <issuer>/login/connector/<id>/callback.
func upstreamConnectors(cfg *config.Config, issuer string) ([]*oidc.Connector, error) {
	var out []*oidc.Connector
	for i := range cfg.Connectors {
		cc := &cfg.Connectors[i]
		if cc.Type != config.ConnectorOIDC {
			continue
		}
		up, err := newOIDCConnector(cc, issuer)
		if err != nil {
			return nil, err
		}
		out = append(out, up)
	}
	return out, nil
}

// newOIDCConnector builds the upstream connector of cc.
func newOIDCConnector(cc *config.Connector, issuer string) (*oidc.Connector, error) {
	c := cc.Config
	up, err := oidc.New(oidc.Config{ID: cc.ID, Name: cc.Name, Issuer: c.Issuer, ClientID: c.ClientID, ClientSecret: c.ClientSecret,
		RedirectURL: strings.TrimSuffix(issuer, "/") + "/login/connector/" + cc.ID + "/callback", Scopes: c.Scopes,
		Claims: oidc.Claims{Username: c.Claims.Username, Email: c.Claims.Email, Name: c.Claims.Name},
		Trust:  connector.MFATrust{Trust: c.TrustUpstreamMFA, ACRValues: c.MFAACRValues}})
	if err != nil {
		return nil, fmt.Errorf("connector %s: %w", cc.ID, err)
	}
	return up, nil
}

// callbackConnectors is ups as the provider takes them.
func callbackConnectors(ups []*oidc.Connector) []connector.CallbackConnector {
	out := make([]connector.CallbackConnector, 0, len(ups))
	for _, u := range ups {
		out = append(out, u)
	}
	return out
}

// connectors is otpgate connectors list|test ID: the configured
// connectors, and a check of one's reachability and credentials.
func (c *cli) connectors(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return fmt.Errorf("connectors: missing subcommand (list, test)")
	}
	sub, args := args[0], args[1:]
	fs := c.flags("connectors " + sub)
	rest, err := c.parse(fs, args)
	if err != nil {
		return err
	}
	cfg, err := c.loadConfig()
	if err != nil {
		return err
	}
	switch sub {
	case "list":
		if len(rest) != 0 {
			return fmt.Errorf("connectors list: unexpected argument %q", rest[0])
		}
		w := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(w, "ID\tTYPE\tNAME")
		for _, cc := range cfg.Connectors {
			fmt.Fprintf(w, "%s\t%s\t%s\n", cc.ID, cc.Type, cc.Name)
		}
		return w.Flush()
	case "test":
		if len(rest) != 1 {
			return fmt.Errorf("connectors test: name one connector: otpgate connectors test ID")
		}
		cc := cfg.ConnectorByID(rest[0])
		if cc == nil {
			return fmt.Errorf("connectors test: no connector %q in the configuration", rest[0])
		}
		ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
		defer cancel()
		switch cc.Type {
		case config.ConnectorLDAP:
			dir, err := newLDAPConnector(cc)
			if err != nil {
				return err
			}
			if err := dir.Check(ctx); err != nil {
				return fmt.Errorf("connector %s: %w", cc.ID, err)
			}
			fmt.Fprintf(c.stdout, "connector %s: connected to %s, bound as %s, user search base %s readable\n",
				cc.ID, cc.Config.LDAPAddress(), bindName(cc.Config.BindDN), cc.Config.UserSearch.BaseDN)
			return nil
		case config.ConnectorOIDC:
			up, err := newOIDCConnector(cc, cfg.EffectiveIssuer())
			if err != nil {
				return err
			}
			if err := up.Check(ctx); err != nil {
				return fmt.Errorf("connector %s: %w", cc.ID, err)
			}
			fmt.Fprintf(c.stdout, "connector %s: discovery of %s and its key set read; otpgate's redirect URI there: %s\n",
				cc.ID, cc.Config.Issuer, strings.TrimSuffix(cfg.EffectiveIssuer(), "/")+"/login/connector/"+cc.ID+"/callback")
			return nil
		default:
			return fmt.Errorf("connectors test: connector %s is of type %s, which cannot be tested yet", cc.ID, cc.Type)
		}
	}
	return fmt.Errorf("connectors: unknown subcommand %q (list, test)", sub)
}

func bindName(dn string) string {
	if dn == "" {
		return "anonymous"
	}
	return dn
}

// loadConfig loads and validates the configuration as open does, without
// the database.
func (c *cli) loadConfig() (*config.Config, error) {
	ov := c.ov
	if ov.ConfigFile == "" && os.Getenv("OTPGATE_CONFIG") == "" {
		if _, err := os.Stat(defaultConfigFile); err == nil {
			ov.ConfigFile = defaultConfigFile
		}
	}
	return config.LoadValidated(ov, os.LookupEnv)
}
