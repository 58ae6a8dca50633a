package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/otpgate/otpgate/config"
	"github.com/otpgate/otpgate/provider/credential"
	"github.com/otpgate/otpgate/provider/store"
)

// cli holds one invocation's streams and global flags.
type cli struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	ov             config.Overrides
	actor          string // --actor: who is recorded in the audit log
	// alsoAccepted are keys open accepts beside the configured ones (the
	// new key of keys rotate-encryption, so that a second run works even
	// where the configuration does not name it yet).
	alsoAccepted [][]byte
	// setDefault, when not nil, is given the configured logger as soon as
	// the configuration is loaded (see runWith).
	setDefault func(*slog.Logger)
	// creates is set by the commands that may make a new database (serve,
	// migrate); every other command works on the server's existing one.
	creates bool
}

// defaultConfigFile is read when neither --config nor OTPGATE_CONFIG names
// a file and it exists: where a packaged installation keeps its settings.
var defaultConfigFile = "/etc/otpgate/otpgate.yaml"

// globalFlags registers the global flags on fs; every subcommand's flag
// set gets them too, so they may come before or after the command.
func (c *cli) globalFlags(fs *flag.FlagSet) {
	fs.Func("config", "YAML configuration file", setString(&c.ov.ConfigFile))
	fs.Func("data", "data directory", setString(&c.ov.DataDir))
	fs.Func("listen", "listen address host:port", setString(&c.ov.Listen))
	fs.Func("issuer", "issuer URL", setString(&c.ov.Issuer))
	fs.Func("database", "SQLite path or postgres:// URL", setString(&c.ov.Database))
	fs.Func("encryption-key-file", "file holding the encryption key", setString(&c.ov.EncryptionKeyFile))
	fs.Func("actor", "administrator recorded in the audit log (default $SUDO_USER or the login name)", c.setActor)
}

func setString(dst *string) func(string) error {
	return func(v string) error { *dst = v; return nil }
}

// flags returns a subcommand's flag set, with the global flags on it.
func (c *cli) flags(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	// Errors come back as one line from parse; help goes to stdout there.
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	c.globalFlags(fs)
	return fs
}

// errHelp ends a command successfully after printing its help.
var errHelp = errors.New("help shown")

// parse parses a subcommand's flags; flags may follow positional
// arguments. A bad flag is a one-line error; -h prints the flags.
func (c *cli) parse(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				fmt.Fprintf(c.stdout, "Usage of otpgate %s:\n", fs.Name())
				fs.SetOutput(c.stdout)
				fs.PrintDefaults()
				return nil, errHelp
			}
			return nil, fmt.Errorf("%s: %v (see otpgate %s -h)", fs.Name(), err, fs.Name())
		}
		args = fs.Args()
		if len(args) == 0 {
			return positional, nil
		}
		positional = append(positional, args[0])
		args = args[1:]
	}
}

// runtime is what every command needs: the validated configuration, the
// database, the encryption key and the hasher.
type runtime struct {
	cfg    *config.Config
	store  *store.Store
	sealer *credential.Sealer
	// key and accepted are the sealer's keys (primary, open-only), kept
	// for keys rotate-encryption.
	key      []byte
	accepted [][]byte
	hasher   *credential.Hasher
	log      *slog.Logger
}

func (r *runtime) Close() { _ = r.store.Close() }

// open loads and validates the configuration, opens and migrates the
// database, and loads the encryption key (in development mode, creating
// one in the data directory).
func (c *cli) open(ctx context.Context) (*runtime, error) {
	ov := c.ov
	if ov.ConfigFile == "" && os.Getenv("OTPGATE_CONFIG") == "" {
		if _, err := os.Stat(defaultConfigFile); err == nil {
			ov.ConfigFile = defaultConfigFile
		}
	}
	cfg, err := config.LoadValidated(ov, os.LookupEnv)
	if err != nil {
		return nil, err
	}
	if !c.creates {
		if err := c.existingDatabase(cfg); err != nil {
			return nil, err
		}
	}
	log := newLogger(cfg, c.stderr)
	if c.setDefault != nil {
		c.setDefault(log)
	}
	key, err := cfg.LoadEncryptionKey()
	if err != nil {
		return nil, err
	}
	if key == nil {
		if !cfg.DevMode() {
			return nil, errors.New("encryption key: required outside zero-config development mode")
		}
		if key, err = devKey(cfg.DataDir); err != nil {
			return nil, err
		}
	}
	accepted, err := cfg.LoadAcceptedKeys()
	if err != nil {
		return nil, err
	}
	accepted = append(accepted, c.alsoAccepted...)
	sealer, err := credential.NewSealer(key, accepted...)
	if err != nil {
		return nil, err
	}
	driver, dsn := cfg.DatabaseDSN()
	st, err := store.Open(driver, dsn)
	if err != nil {
		return nil, err
	}
	if err := st.Migrate(ctx); err != nil {
		_ = st.Close()
		return nil, err
	}
	rt := &runtime{cfg: cfg, store: st, sealer: sealer, key: key, accepted: accepted,
		hasher: credential.NewHasher(credential.OWASP), log: log}
	if err := checkEncryptionKey(ctx, rt); err != nil {
		rt.Close()
		return nil, err
	}
	return rt, nil
}

// existingDatabase refuses to let an administrator's command make a new,
// empty database: when nothing names the server's database (no config
// file, no data directory, no database, by flag or environment) and there
// is none where the defaults look, the command was run away from the
// server's settings, and a new database would only answer "no user named".
func (c *cli) existingDatabase(cfg *config.Config) error {
	driver, path := cfg.DatabaseDSN()
	if driver != "sqlite" || cfg.ConfigFileUsed() != "" || c.ov.DataDir != "" || c.ov.Database != "" {
		return nil
	}
	for _, name := range []string{"OTPGATE_DATA_DIR", "OTPGATE_DATABASE", "OTPGATE_DATABASE_FILE"} {
		if os.Getenv(name) != "" {
			return nil
		}
	}
	if _, err := os.Stat(path); err == nil {
		return nil
	}
	return fmt.Errorf("no otpgate database at %s and no configuration found (OTPGATE_CONFIG, %s): "+
		"point at the server's with --config FILE, --data DIR or --database DSN (or OTPGATE_CONFIG, OTPGATE_DATA_DIR, OTPGATE_DATABASE)",
		path, defaultConfigFile)
}

// checkEncryptionKey stops every command, before it changes anything, when
// the configured encryption key cannot open the stored signing keys: the
// data was written with another key. A database without keys has nothing
// to check yet.
func checkEncryptionKey(ctx context.Context, rt *runtime) error {
	rows, err := rt.store.SigningKeys(ctx)
	if err != nil || len(rows) == 0 {
		return err
	}
	// Only loads and decrypts them: the keys of a new algorithm are made
	// by serve or keys rotate, not by every command.
	if err := keysFor(rt).Load(ctx); err != nil {
		if errors.Is(err, credential.ErrWrongKey) {
			return fmt.Errorf("encryption key: %w; the database was written with another key", err)
		}
		return err
	}
	return nil
}

// devKey loads the development encryption key from the data directory,
// creating it (mode 0600) on first use. An existing file is checked like
// any key file (not open to other users, not weak).
func devKey(dataDir string) ([]byte, error) {
	path := filepath.Join(dataDir, "encryption.key")
	if _, err := os.Stat(path); err == nil {
		return config.ReadKeyFile("encryption key", path)
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("encryption key: %w", err)
	}
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, fmt.Errorf("data directory: %w", err)
	}
	text := credential.NewToken()
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, fmt.Errorf("encryption key: %w", err)
	}
	if _, err := fmt.Fprintln(f, text); err != nil {
		f.Close()
		return nil, fmt.Errorf("encryption key: %w", err)
	}
	if err := f.Close(); err != nil {
		return nil, fmt.Errorf("encryption key: %w", err)
	}
	return config.ParseEncryptionKey(text)
}

func newLogger(cfg *config.Config, w io.Writer) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.Log.Level))
	opts := &slog.HandlerOptions{Level: level}
	if cfg.Log.Format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// errorLines are the lines err is printed as, each after "otpgate: ". An
// error is one line; an unusable configuration is the exception: its
// problems are easier to read and to fix one per line, each starting with
// its key, after a line naming the file. One problem stays one line.
func errorLines(err error) []string {
	var cfgErr *config.Error
	if !errors.As(err, &cfgErr) || len(cfgErr.Problems) == 0 {
		return []string{oneLine(err)}
	}
	head := "invalid configuration"
	if cfgErr.File != "" {
		head += " (" + cfgErr.File + ")"
	}
	if len(cfgErr.Problems) == 1 {
		return []string{head + ": " + oneLine(errors.New(cfgErr.Problems[0].String()))}
	}
	lines := []string{fmt.Sprintf("%s: %d problems:", head, len(cfgErr.Problems))}
	for _, p := range cfgErr.Problems {
		lines = append(lines, oneLine(errors.New(p.String())))
	}
	return lines
}

// oneLine folds a (possibly joined) error into one line.
func oneLine(err error) string {
	return strings.Join(strings.Fields(strings.ReplaceAll(err.Error(), "\n", "; ")), " ")
}
