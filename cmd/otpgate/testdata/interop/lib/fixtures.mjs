// Shared fixtures of the interop suite: the provider under test, its admin
// CLI, unique names, accounts and clients, independent TOTP codes and the
// mailbox. Used by the openid-client tests (oidc-*.test.mjs) and the browser
// tests alike; keep this API small.
//
//   issuer                         OTPGATE_ISSUER, e.g. http://127.0.0.1:PORT
//   cli(...args) → stdout          run `otpgate --data $OTPGATE_DATA_DIR
//                                  --listen <issuer host> ...args` synchronously
//                                  (without OTPGATE_ISSUER in its environment);
//                                  throws (with stderr) on a non-zero exit
//   uniqueName(prefix) → string    a name no other test uses
//   createUser({mfa, username, email, password}) → user
//                                  `user add` (and `user require-mfa NAME on`
//                                  when mfa); user = {username, email,
//                                  password} where password is the temporary
//                                  one: the first sign-in sets a new password
//                                  and a security question
//   createClient({...}) → client   `client add`; see the function for options;
//                                  client = {id, secret, redirectUri,
//                                  redirectUris, postLogoutUri, postLogoutUris}
//   totp(secretBase32, date?) → '123456'
//                                  the RFC 6238 code of Debian's oathtool (never
//                                  our own Go code); spaces in the key are
//                                  ignored
//   totpStep(date?) → number       the 30-second time step of date
//   mails() → [{to, subject, text}]
//                                  every mail the provider sent so far
//   sleep(ms)

import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';

function required(name) {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: run the suite through \`go test -run TestInterop ./cmd/otpgate/\``);
  return v;
}

export const issuer = required('OTPGATE_ISSUER');
const bin = required('OTPGATE_BIN');
const dataDir = required('OTPGATE_DATA_DIR');

// The CLI works on the zero-config data directory like the server does: an
// issuer in its environment would take it out of development mode (which
// then demands an encryption key file). --listen names the running server,
// so that links in mails the CLI sends (user reset-otp) point at it.
const cliEnv = { ...process.env };
delete cliEnv.OTPGATE_ISSUER;
const listen = new URL(issuer).host;

/** Runs the admin CLI on the suite's data directory and returns its stdout. */
export function cli(...args) {
  try {
    return execFileSync(bin, ['--data', dataDir, '--listen', listen, ...args], {
      encoding: 'utf8',
      env: cliEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 30_000,
    });
  } catch (err) {
    const stderr = err.stderr ? String(err.stderr).trim() : '';
    throw new Error(`otpgate ${args.join(' ')} failed (status ${err.status}): ${stderr || err.message}`);
  }
}

let counter = 0;
/** A name unique in this run (lower case letters, digits and dashes). */
export function uniqueName(prefix = 't') {
  counter += 1;
  return `${prefix}-${process.pid.toString(36)}${counter.toString(36)}-${randomBytes(3).toString('hex')}`;
}

/**
 * Creates an account with the admin CLI. The returned password is the
 * temporary one; the person must set a new password (and a security
 * question) at the first sign-in.
 */
export function createUser({ mfa = false, username, email, password } = {}) {
  username ??= uniqueName('user');
  email ??= `${username}@example.com`;
  password ??= `Temp-${randomBytes(9).toString('base64url')}`;
  cli('user', 'add', '--username', username, '--email', email, '--password', password);
  if (mfa) cli('user', 'require-mfa', username, 'on');
  return { username, email, password };
}

/**
 * Registers a client application with the admin CLI.
 *   id            default: a unique name
 *   public        a public client (no secret, PKCE S256 required)
 *   secret        the client secret (confidential clients; default: random)
 *   redirectUris  default: [`https://rp.example.test/<id>/callback`]
 *   postLogoutUris default: [`https://rp.example.test/<id>/signed-out`]
 *   requireMfa    the client requires two-factor sign-in
 *   name          display name
 *   secondFactorOnly  a factor-only client (--second-factor-only): it did
 *                 the first factor, otpgate asks for the passcode alone
 *   trustLoginHint    with secondFactorOnly: a plain login_hint names the
 *                 user (--trust-login-hint); a request without one asks
 *                 the person for a username
 *   rememberBrowser   the passcode page may offer "Remember this browser"
 *                 (--remember-browser on; the server's
 *                 mfa.remember_browser_days must be set too)
 */
export function createClient({ id, public: isPublic = false, secret, redirectUris, postLogoutUris, requireMfa = false, name, idTokenAlg,
  secondFactorOnly = false, trustLoginHint = false, rememberBrowser = false } = {}) {
  id ??= uniqueName('client');
  redirectUris ??= [`https://rp.example.test/${id}/callback`];
  postLogoutUris ??= [`https://rp.example.test/${id}/signed-out`];
  const args = ['client', 'add', '--id', id];
  for (const u of redirectUris) args.push('--redirect-uri', u);
  for (const u of postLogoutUris) args.push('--post-logout-uri', u);
  if (isPublic) {
    args.push('--public');
    secret = undefined;
  } else {
    secret ??= randomBytes(24).toString('base64url');
    args.push('--secret', secret);
  }
  if (requireMfa) args.push('--require-mfa');
  if (name) args.push('--name', name);
  if (idTokenAlg) args.push('--id-token-alg', idTokenAlg);
  if (secondFactorOnly) args.push('--second-factor-only');
  if (trustLoginHint) args.push('--trust-login-hint');
  if (rememberBrowser) args.push('--remember-browser', 'on');
  cli(...args);
  return { id, secret, public: isPublic, redirectUri: redirectUris[0], redirectUris, postLogoutUri: postLogoutUris[0], postLogoutUris, idTokenAlg, secondFactorOnly };
}

/** The 30-second TOTP time step of date. */
export function totpStep(date = new Date()) {
  return Math.floor(date.getTime() / 30_000);
}

/** The TOTP code (SHA1, 6 digits, 30 s) of secretBase32 at date, from oathtool. */
export function totp(secretBase32, date = new Date()) {
  const key = secretBase32.replace(/\s+/g, '');
  const at = `@${Math.floor(date.getTime() / 1000)}`;
  return execFileSync('oathtool', ['--totp', '-b', '--now', at, key], { encoding: 'utf8' }).trim();
}

/** Every mail the provider sent so far: [{to: [..], subject, text}]. */
export async function mails() {
  const res = await fetch(required('OTPGATE_MAILBOX'));
  if (!res.ok) throw new Error(`mailbox answered ${res.status}`);
  return res.json();
}

export function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
