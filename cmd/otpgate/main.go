// Command otpgate is the otpgate OpenID Connect provider and its admin CLI.
//
//	otpgate [global flags] [serve]            run the provider (the default)
//	otpgate [global flags] migrate            create or update the database schema
//	otpgate [global flags] client add|list|show|update|remove …
//	otpgate [global flags] user add|list|show|update|set-password|disable|enable|require-mfa|grant-admin|revoke-admin|reset-otp|unlock …
//	otpgate [global flags] keys list|rotate|rotate-encryption|encryption-status
//	otpgate [global flags] audit [--user NAME] [--since DURATION] [--limit N]
//	otpgate [global flags] healthcheck        exit 0 when the local server answers /healthz
//	otpgate version
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := runWith(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr, slog.SetDefault)
	stop()
	os.Exit(code)
}

// run executes one command line and returns the exit status. Errors are
// one line on stderr, each starting "otpgate: "; an unusable configuration
// is a line naming the file and then one line per problem (errorLines). It leaves slog's default logger alone, so that
// commands run side by side (in tests) do not log into each other.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	return runWith(ctx, args, stdin, stdout, stderr, nil)
}

// runWith is run; setDefault, when not nil, receives the configured logger
// at start-up (main passes slog.SetDefault, so that the lines libraries log
// through slog's default logger, zitadel's among them, take the configured
// format and level too).
func runWith(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, setDefault func(*slog.Logger)) int {
	env := &cli{stdin: stdin, stdout: stdout, stderr: stderr, setDefault: setDefault}
	global := flag.NewFlagSet("otpgate", flag.ContinueOnError)
	global.SetOutput(io.Discard)
	global.Usage = func() {}
	env.globalFlags(global)
	if err := global.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(stdout, usage)
			return 0
		}
		fmt.Fprintf(stderr, "otpgate: %v (see otpgate help)\n", err)
		return 1
	}
	rest := global.Args()
	cmd := "serve"
	if len(rest) > 0 {
		cmd, rest = rest[0], rest[1:]
	}
	var err error
	switch cmd {
	case "serve":
		err = env.serve(ctx, rest)
	case "migrate":
		err = env.migrate(ctx, rest)
	case "client":
		err = env.client(ctx, rest)
	case "user":
		err = env.user(ctx, rest)
	case "keys":
		err = env.keys(ctx, rest)
	case "audit":
		err = env.auditLog(ctx, rest)
	case "connectors":
		err = env.connectors(ctx, rest)
	case "healthcheck":
		err = env.healthcheck(ctx, rest)
	case "version":
		fmt.Fprintln(stdout, "otpgate", version)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
	default:
		err = fmt.Errorf("unknown command %q (see otpgate help)", cmd)
	}
	if errors.Is(err, errHelp) {
		return 0
	}
	if err != nil {
		for _, line := range errorLines(err) {
			fmt.Fprintln(stderr, "otpgate:", line)
		}
		return 1
	}
	return 0
}

const usage = `Usage: otpgate [global flags] <command> [flags]

Commands:
  serve                      run the provider (default)
  migrate                    create or update the database schema
  client add|list|show|update|remove
  client update ID --remember-browser on|off
                             let the client's users skip the passcode on a remembered
                             browser (mfa.remember_browser_days)
  client update ID [--add-redirect-uri URI] [--remove-redirect-uri URI]
                   [--add-post-logout-redirect-uri URI] [--remove-post-logout-redirect-uri URI]
                             add or remove single URIs, keeping the others (each
                             repeatable; adding one the client has, removing one
                             it lacks or its last redirect URI is refused)
  user add|list|show|update|set-password|disable|enable|require-mfa
  user grant-admin|revoke-admin NAME
                             grant or revoke the administrator role (the web
                             console at /admin; granting requires two-factor)
  user update NAME [--name N] [--given-name N] [--family-name N]
                             change the names the name claims carry ("" clears one)
  user forget-browser NAME ID|--all
                             forget remembered browsers: they ask for the passcode again
  user reset-otp NAME [--proof-lifetime 72h]
                             remove the device, revoke sessions, print an enrollment code
  user list [--locked] [--mfa] [--no-device]
                             list accounts with their device and lock state
  user unlock NAME [--passcode]
                             lift the temporary password/answer lock; --passcode
                             also lifts the passcode lock and keeps the device
  keys list|rotate           list or rotate the token-signing keys
  keys rotate-encryption --new-key-file FILE
                             re-encrypt every stored secret with a new encryption key
  keys encryption-status     count the stored secrets by encryption key id
  audit [--user NAME] [--since 24h] [--limit 1000]
                             print the audit log, oldest first
  connectors list            list the configured connectors
  connectors test ID         check a connector: a directory's connection, service account
                             and search base; an upstream provider's discovery and keys
  healthcheck                check that the local server answers
  version

Global flags (also accepted after the command):
  --config FILE              YAML configuration (env OTPGATE_CONFIG)
  --data DIR                 data directory (env OTPGATE_DATA_DIR)
  --listen ADDR              listen address (env OTPGATE_LISTEN)
  --issuer URL               issuer URL (env OTPGATE_ISSUER)
  --database DSN             SQLite path or postgres:// URL (env OTPGATE_DATABASE)
  --encryption-key-file FILE encryption key (env OTPGATE_ENCRYPTION_KEY_FILE)
  --actor NAME               administrator recorded in the audit log
                             (default $SUDO_USER, else the login name)

Without --config or --issuer otpgate runs in zero-config development mode:
issuer http://<listen>, a generated key in the data directory, and a demo
user and client.
`
