// Package config holds otpgate's typed configuration and the rules that make
// it valid.
//
// A configuration is built in layers, each one overriding the one before:
//
//  1. Default: built-in defaults, kept in one place.
//  2. The YAML file named by the --config flag or OTPGATE_CONFIG. Unknown keys
//     are rejected (with their dotted path, line and the nearest known key)
//     so a typo never silently falls back to a default. An empty file is fine.
//  3. OTPGATE_* environment variables. An empty variable counts as unset.
//  4. Secrets read from files: OTPGATE_DATABASE_FILE,
//     OTPGATE_MAIL_PASSWORD_FILE and each client's secret_file.
//  5. Overrides: explicit command-line flags, applied last.
//
// Load performs the layering and reports only problems that stop it from
// building a Config (unreadable files, YAML errors, unknown keys, wrongly
// typed values, malformed environment values). Validate then checks the
// result. LoadValidated does both and reports the problems of both at once:
// a value that cannot be read is left at its default and the rest is still
// validated. Problems come as an *Error, one line per Problem, each line
// starting with the key it is about.
//
// Invariants:
//   - No error message from this package contains a client secret, an
//     encryption key, the SMTP password or a database DSN (which may carry a
//     password).
//   - The encryption key text is never read from the YAML file, only from
//     OTPGATE_ENCRYPTION_KEY or a key file.
//   - Validate does no I/O; files are read by Load, LoadEncryptionKey and
//     LoadAcceptedKeys.
//   - DevMode ("zero-config development mode") is true only when no config
//     file was loaded and no issuer was given by file, environment or flag; it
//     relaxes the issuer and encryption-key requirements and nothing else.
//
// The package imports nothing else of otpgate and keeps no global state; only
// cmd/otpgate maps a Config onto runtime options.
package config
