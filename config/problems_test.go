package config_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/otpgate/otpgate/config"
)

// everyKindYAML has an unknown key, a bad duration, a scalar where a list
// belongs, a bad boolean, a misspelt client key and two values that only
// validation refuses; the line numbers in wantEveryKind depend on it.
const everyKindYAML = `issuer: https://login.example.com
encryption_key_file: /etc/otpgate/key
mail:
  smtp_hots: smtp.example.com
login:
  min_password_length: 6
  flow_lifetime: soon
clients:
  - id: web
    secret: 0123456789abcdef
    redirect_uris: https://app.example.com/cb
  - id: spa
    public: yes-please
    secret: 0123456789abcdef
    redirect_uri: [https://spa.example.com/cb]
log:
  level: verbose
`

var wantEveryKind = []string{
	"mail.smtp_hots: unknown key (line 4); did you mean mail.smtp_host?",
	`login.flow_lifetime: invalid duration "soon" (line 7); use a value like 15m or 1h30m`,
	`clients[0].redirect_uris: must be a list, not "https://app.example.com/cb" (line 11); write [a, b] or one "- item" line per item`,
	`clients[1].public: must be true or false, not "yes-please" (line 13)`,
	"clients[1].redirect_uri: unknown key (line 15); did you mean clients[1].redirect_uris?",
	`OTPGATE_LOCKOUT_LOGIN_ATTEMPTS: must be an integer (got "many")`,
	`log.level: must be one of debug, info, warn, error (got "verbose")`,
	"login.min_password_length: must be between 8 and 128 (got 6)",
	"clients[1].redirect_uris: at least one redirect URI is required",
}

// TestLoadValidatedListsEveryProblem: the problems of the file, of the
// environment and of validation come together, one line each, each line
// starting with its key; a key that could not be read is not validated
// again (clients[0].redirect_uris is not "required" as well).
func TestLoadValidatedListsEveryProblem(t *testing.T) {
	file := writeFile(t, "otpgate.yaml", everyKindYAML)
	env := envMap(map[string]string{"OTPGATE_LOCKOUT_LOGIN_ATTEMPTS": "many"})
	c, err := config.LoadValidated(config.Overrides{ConfigFile: file}, env)
	if c != nil {
		t.Error("LoadValidated returned a configuration with its problems")
	}
	var cfgErr *config.Error
	if !errors.As(err, &cfgErr) {
		t.Fatalf("error %v (%T) is not a *config.Error", err, err)
	}
	if cfgErr.File != file {
		t.Errorf("File = %q, want %q", cfgErr.File, file)
	}
	if got := strings.Split(err.Error(), "\n"); strings.Join(got, "\n") != strings.Join(wantEveryKind, "\n") {
		t.Errorf("got the lines\n%s\nwant\n%s", err, strings.Join(wantEveryKind, "\n"))
	}

	// Load alone reports what stops it from building, and no validation.
	_, err = config.Load(config.Overrides{ConfigFile: file}, env)
	if got, want := err.Error(), strings.Join(wantEveryKind[:6], "\n"); got != want {
		t.Errorf("Load: got\n%s\nwant\n%s", got, want)
	}

	// Fixed, the same file loads and validates.
	fixed := strings.NewReplacer("smtp_hots: smtp.example.com", "smtp_host: smtp.example.com\n  from: login@example.com", "soon", "10m", "min_password_length: 6", "min_password_length: 12",
		"redirect_uris: https://app.example.com/cb", "redirect_uris: [https://app.example.com/cb]",
		"public: yes-please\n    secret: 0123456789abcdef", "public: true", "redirect_uri:", "redirect_uris:",
		"verbose", "debug").Replace(everyKindYAML)
	if _, err := config.LoadValidated(config.Overrides{ConfigFile: writeFile(t, "fixed.yaml", fixed)}, nil); err != nil {
		t.Errorf("the fixed file:\n%v", err)
	}
}

// TestUnknownKeySuggestions: an unknown key at any depth, inside list
// items too, is named with the nearest known key of its level, or with
// the section where a key of its name belongs; a name near nothing gets
// no guess.
func TestUnknownKeySuggestions(t *testing.T) {
	for _, tc := range []struct{ yaml, want string }{
		{"mail:\n  smtp_hots: smtp.example.com\n", "mail.smtp_hots: unknown key (line 2); did you mean mail.smtp_host?"},
		{"issuer: https://a.example\nlog:\n  levl: debug\n", "log.levl: unknown key (line 3); did you mean log.level?"},
		{"Issuer: https://a.example\n", "Issuer: unknown key (line 1); did you mean issuer?"},
		{"data-dir: /var/lib/otpgate\n", "data-dir: unknown key (line 1); did you mean data_dir?"},
		{"mfa:\n  enrolment_proof: admin\n", "mfa.enrolment_proof: unknown key (line 2); did you mean mfa.enrollment_proof?"},
		{"lockout:\n  pascode_atempts: 3\n", "lockout.pascode_atempts: unknown key (line 2); did you mean lockout.passcode_attempts?"},
		{"clients:\n  - id: a\n  - id: b\n    secrte: x\n", "clients[1].secrte: unknown key (line 4); did you mean clients[1].secret?"},
		{"clients:\n  - id: a\n    redirect_uri: [https://a.example/cb]\n",
			"clients[0].redirect_uri: unknown key (line 3); did you mean clients[0].redirect_uris?"},
		{"smtp_host: smtp.example.com\n", "smtp_host: unknown key (line 1); did you mean mail.smtp_host?"},
		{"mail:\n  level: debug\n", "mail.level: unknown key (line 2); did you mean log.level?"},
		{"listen_addr: :80\n", "listen_addr: unknown key (line 1)"},
		{"tokens:\n  lifetime: 1h\n", "tokens.lifetime: unknown key (line 2)"},
		{"log:\n  lvl: debug\n", "log.lvl: unknown key (line 2)"},
	} {
		_, err := config.Load(config.Overrides{ConfigFile: writeFile(t, "c.yaml", tc.yaml)}, nil)
		if err == nil || err.Error() != tc.want {
			t.Errorf("%q:\n got %v\nwant %s", tc.yaml, err, tc.want)
		}
	}
}

// TestLoadKeepsWhatItCanRead: a key given twice, a wrongly typed list item
// and a wrongly typed section are reported and left out; everything else
// is read, later list items keep their index, and validation of what was
// left out is not reported.
func TestLoadKeepsWhatItCanRead(t *testing.T) {
	for _, tc := range []struct {
		name, yaml string
		want       []string
	}{
		{"a key given twice", "log:\n  level: debug\n  level: verbose\n",
			[]string{"log.level: given twice (line 3); the first is on line 2", "issuer: required", "encryption_key_file: required"}},
		{"a list item that is no client", "issuer: https://a.example\nencryption_key_file: /k\nclients:\n  - 5\n  - id: b\n" +
			"    public: true\n    redirect_uris: [http://b.example/cb]\n",
			[]string{`clients[0]: must be a section of key: value lines, not "5" (line 4)`,
				"clients[1].redirect_uris[0]: http is allowed only for loopback hosts"}},
		{"a section that is a value", "issuer: https://a.example\nencryption_key_file: /k\nlog: debug\nlisten: nowhere\n",
			[]string{`log: must be a section of key: value lines, not "debug" (line 3)`, "listen: must be host:port"}},
		{"a list item of the wrong type", "issuer: https://a.example\nencryption_key_file: /k\ncors:\n  allowed_origins:\n" +
			"    - {origin: https://a.example}\n    - https://B.example\n",
			[]string{"cors.allowed_origins[0]: must be a single value, not a section (line 5)",
				"cors.allowed_origins[1]: must be scheme://host[:port] in lower case"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := config.LoadValidated(config.Overrides{ConfigFile: writeFile(t, "c.yaml", tc.yaml)}, nil)
			assertContainsAll(t, err, tc.want...)
			if got := strings.Count(err.Error(), "\n") + 1; got != len(tc.want) {
				t.Errorf("got %d lines, want %d:\n%v", got, len(tc.want), err)
			}
		})
	}
}

// TestMergeKeys: YAML merge keys are read into the section that merges
// them, and an unknown key inside a merged mapping is named at the place
// it is merged into.
func TestMergeKeys(t *testing.T) {
	yaml := "issuer: https://a.example\nencryption_key_file: /k\nclients:\n" +
		"  - &base\n    id: a\n    public: true\n    redirect_uris: [https://a.example/cb]\n" +
		"  - <<: *base\n    id: b\n"
	c, err := config.LoadValidated(config.Overrides{ConfigFile: writeFile(t, "c.yaml", yaml)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Clients) != 2 || c.Clients[1].ID != "b" || !c.Clients[1].Public || len(c.Clients[1].RedirectURIs) != 1 {
		t.Errorf("clients %+v", c.Clients)
	}
	bad := "log:\n  <<: {levle: debug}\n"
	_, err = config.Load(config.Overrides{ConfigFile: writeFile(t, "c.yaml", bad)}, nil)
	if want := "log.levle: unknown key (line 2); did you mean log.level?"; err == nil || err.Error() != want {
		t.Errorf("got %v, want %s", err, want)
	}
}

// TestFileThatIsNotAMapping: a file whose top level is a list or a
// single value stops loading with one error.
func TestFileThatIsNotAMapping(t *testing.T) {
	for _, content := range []string{"- issuer: https://a.example\n", "hello\n"} {
		c, err := config.LoadValidated(config.Overrides{ConfigFile: writeFile(t, "c.yaml", content)}, nil)
		var cfgErr *config.Error
		if c != nil || errors.As(err, &cfgErr) {
			t.Errorf("%q: %v, %v", content, c, err)
		}
		assertContainsAll(t, err, "config file", "line 1: the file must be a mapping of keys")
	}
}
