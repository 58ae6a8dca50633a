package config_test

import (
	"strings"
	"testing"

	"github.com/otpgate/otpgate/config"
)

// TestSecretsNeverInErrors feeds secrets into every path that can fail and
// checks that no error string, from Load, Validate or LoadEncryptionKey,
// contains one.
func TestSecretsNeverInErrors(t *testing.T) {
	const (
		clientSecret = "hunter2-client-secret"
		shortSecret  = "pw-hunter2"
		dbPassword   = "hunter2-db-password"
		keyText      = "aHVudGVyMi1lbmNyeXB0aW9uLWtleQ" // base64, wrong length
		mailPassword = "hunter2-mail-password"
	)
	secrets := []string{clientSecret, shortSecret, dbPassword, keyText, mailPassword}
	secretFile := writeFile(t, "secret", clientSecret+"\n")

	var errs []error
	collect := func(err error) {
		if err == nil {
			t.Fatal("expected an error")
		}
		errs = append(errs, err)
	}

	// Validate: short, public-with-secret, bad DSNs, bad key text.
	for _, db := range []string{
		"mysql://root:" + dbPassword + "@db/otpgate",
		"postgres://root:" + dbPassword + "@db:port/otpgate",
		"postgres://root:" + dbPassword + "%zz@db/otpgate",
	} {
		c := config.Default()
		c.Issuer = "https://u:" + dbPassword + "@login.example.com/"
		c.Database = db
		c.EncryptionKey = keyText
		c.Mail = config.Mail{SMTPHost: "smtp:" + mailPassword, SMTPPort: -1, Security: "none", Password: mailPassword}
		c.Clients = []config.Client{
			{ID: "short", Secret: shortSecret, RedirectURIs: []string{"https://u:" + dbPassword + "@x.example.com/cb"}},
			{ID: "public", Public: true, Secret: clientSecret, RedirectURIs: []string{"http://x.example.com/cb"}},
		}
		collect(c.Validate())
	}

	// Load: a secret in a mistyped key, a conflict with secret_file, a bad DSN file.
	cfg := writeFile(t, "otpgate.yaml", "clients:\n  - id: a\n    secret: "+clientSecret+"\n    secret_file: "+secretFile+"\n    secrte: "+clientSecret+"\n")
	_, err := config.Load(config.Overrides{ConfigFile: cfg}, nil)
	collect(err)
	cfg = writeFile(t, "otpgate.yaml", "clients:\n  - id: a\n    secret: "+clientSecret+"\n    secret_file: "+secretFile+"\n")
	_, err = config.Load(config.Overrides{ConfigFile: cfg}, nil)
	collect(err)
	// Secrets given as a list or a section, or twice, with the problems of
	// validation too.
	cfg = writeFile(t, "otpgate.yaml", "mail:\n  password: ["+mailPassword+"]\nclients:\n  - id: a\n    secret: {s: "+clientSecret+"}\n"+
		"  - id: b\n    secret: "+shortSecret+"\n    secret: "+clientSecret+"\n")
	_, err = config.LoadValidated(config.Overrides{ConfigFile: cfg}, nil)
	collect(err)
	_, err = config.Load(config.Overrides{}, envMap(map[string]string{
		"OTPGATE_DATABASE":      "postgres://u:" + dbPassword + "@db/x",
		"OTPGATE_DATABASE_FILE": secretFile,
	}))
	collect(err)
	_, err = config.Load(config.Overrides{}, envMap(map[string]string{
		"OTPGATE_MAIL_PASSWORD":      mailPassword,
		"OTPGATE_MAIL_PASSWORD_FILE": writeFile(t, "smtp", mailPassword),
	}))
	collect(err)

	// Key loading, from text and from a file.
	c := config.Default()
	c.EncryptionKey = keyText
	_, err = c.LoadEncryptionKey()
	collect(err)
	c.EncryptionKey, c.EncryptionKeyFile = "", writeFile(t, "key", keyText)
	_, err = c.LoadEncryptionKey()
	collect(err)

	for _, err := range errs {
		for _, s := range secrets {
			if strings.Contains(err.Error(), s) {
				t.Errorf("error contains secret %q:\n%v", s, err)
			}
		}
	}
}
