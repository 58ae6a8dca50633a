// otpgate as seen by a certified relying party: openid-client v6 (an
// OpenID-certified RP library) on the RP side and a scripted user agent
// (lib/agent.mjs) for the sign-in pages. One test per applicable module of
// the OpenID Foundation's Basic OP, Config OP and RP-Initiated Logout OP
// test plans, named after the module, asserting what the module checks;
// then what the plans do not check: amr / acr / auth_time truthfulness.
//
// Every test creates its own client and accounts with the admin CLI, so the
// tests are independent of each other and of the browser suite.

import test, { describe } from 'node:test';
import assert from 'node:assert/strict';
import * as oidc from 'openid-client';

import { Agent } from './lib/agent.mjs';
import { issuer, cli, createClient, createUser, sleep } from './lib/fixtures.mjs';

const ACR_MFA = 'http://schemas.openid.net/pape/policies/2007/06/multi-factor';
const ACR_PASSWORD = 'urn:otpgate:acr:password';
// A passcode alone, for factor-only clients (the caller did the first factor).
const ACR_SECOND_FACTOR = 'urn:otpgate:acr:second-factor';
const ACR_REMEMBERED_BROWSER = 'urn:otpgate:acr:remembered-browser';
const AMR_FIRST = ['pwd', 'kba'];
const AMR_MFA = ['pwd', 'kba', 'otp', 'mfa'];

// ---------------------------------------------------------------- helpers

/** The RP configuration of client (discovery through openid-client). */
async function rp(client, auth = 'client_secret_basic') {
  let method;
  if (client.public) method = oidc.None();
  else if (auth === 'client_secret_post') method = oidc.ClientSecretPost(client.secret);
  else method = oidc.ClientSecretBasic(client.secret);
  const metadata = { redirect_uris: [client.redirectUri] };
  // openid-client expects RS256 unless the client metadata names another.
  if (client.idTokenAlg) metadata.id_token_signed_response_alg = client.idTokenAlg;
  return oidc.discovery(new URL(issuer), client.id, metadata, method, {
    execute: [oidc.allowInsecureRequests],
  });
}

/** A fresh client, account, RP configuration and user agent. */
async function setup({ auth, mfa = false, requireMfa = false, public: isPublic = false, idTokenAlg } = {}) {
  const client = createClient({ requireMfa, public: isPublic, idTokenAlg });
  const user = createUser({ mfa });
  const config = await rp(client, auth);
  return { client, user, config, agent: new Agent() };
}

/** The authorization request parameters of a code flow with PKCE, state and nonce. */
async function authParams(ctx, params = {}, { nonce = true } = {}) {
  const verifier = oidc.randomPKCECodeVerifier();
  const checks = { pkceCodeVerifier: verifier, expectedState: oidc.randomState() };
  if (nonce) checks.expectedNonce = oidc.randomNonce();
  const p = {
    redirect_uri: ctx.client.redirectUri,
    scope: 'openid',
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state: checks.expectedState,
    ...(nonce ? { nonce: checks.expectedNonce } : {}),
    ...params,
  };
  for (const [k, v] of Object.entries(p)) if (v === undefined) delete p[k];
  return { params: p, checks };
}

/**
 * A complete sign-in: the authorization request (GET, or POST with post),
 * the journey in the agent, the code grant with every check openid-client
 * makes (state, PKCE, nonce, ID token signature, iss, aud, exp, iat,
 * max_age). Returns {tokens, claims, steps, callback, checks}.
 */
async function signIn(ctx, params = {}, { nonce = true, maxAge, post = false, user = ctx.user, agent = ctx.agent } = {}) {
  const { params: p, checks } = await authParams(ctx, params, { nonce });
  let callback;
  if (post) {
    const url = oidc.buildAuthorizationUrl(ctx.config, p);
    const form = Object.fromEntries(url.searchParams);
    callback = await agent.signIn(ctx.config.serverMetadata().authorization_endpoint, user,
      { redirectUri: ctx.client.redirectUri, postForm: form });
  } else {
    callback = await agent.signIn(oidc.buildAuthorizationUrl(ctx.config, p).href, user, { redirectUri: ctx.client.redirectUri });
  }
  assert.ok(callback instanceof URL, `sign-in ended on a page, not a redirect: ${agent.steps.join(' → ')}`);
  const tokens = await oidc.authorizationCodeGrant(ctx.config, callback,
    { ...checks, idTokenExpected: true, ...(maxAge !== undefined ? { maxAge } : {}) });
  return { tokens, claims: tokens.claims(), steps: [...agent.steps], callback, checks };
}

/** The authorization response of a request expected to end at the client without a code. */
async function authorizeError(ctx, params = {}, { agent = ctx.agent } = {}) {
  const { params: p, checks } = await authParams(ctx, params);
  const r = await agent.follow(oidc.buildAuthorizationUrl(ctx.config, p).href, { stopAt: ctx.client.redirectUri });
  assert.ok(r.redirect, `expected a redirect to the client, got the ${r.page?.step} page (status ${r.page?.status}): ${r.page?.alert}`);
  assert.equal(r.redirect.searchParams.get('code'), null, 'an error response must carry no code');
  const err = await oidc.authorizationCodeGrant(ctx.config, r.redirect, checks).then(
    () => assert.fail('authorizationCodeGrant accepted an error response'),
    (e) => e,
  );
  assert.ok(err instanceof oidc.AuthorizationResponseError, `expected an AuthorizationResponseError, got ${err}`);
  return { error: err.error, description: err.error_description, redirect: r.redirect };
}

function decodeJwt(jwt) {
  const [h, p] = jwt.split('.');
  return { header: JSON.parse(Buffer.from(h, 'base64url')), payload: JSON.parse(Buffer.from(p, 'base64url')) };
}

async function metadata() {
  const res = await fetch(`${issuer}/.well-known/openid-configuration`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type'), /^application\/json/);
  return res.json();
}

async function jwks() {
  const res = await fetch((await metadata()).jwks_uri);
  assert.equal(res.status, 200);
  return res.json();
}

/** What each signing algorithm needs of a JWK, and its WebCrypto import and verify parameters. */
const ALGS = {
  RS256: { kty: 'RSA', members: ['n', 'e'], importAs: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, verifyAs: 'RSASSA-PKCS1-v1_5' },
  ES256: { kty: 'EC', crv: 'P-256', members: ['crv', 'x', 'y'], importAs: { name: 'ECDSA', namedCurve: 'P-256' }, verifyAs: { name: 'ECDSA', hash: 'SHA-256' } },
  EdDSA: { kty: 'OKP', crv: 'Ed25519', members: ['crv', 'x'], importAs: { name: 'Ed25519' }, verifyAs: 'Ed25519' },
};

/** Imports the public key of a JWK for its alg with WebCrypto. */
async function importJwk(jwk) {
  const a = ALGS[jwk.alg];
  assert.ok(a, `a key for an algorithm otpgate does not sign with: ${jwk.alg}`);
  const pub = { kty: jwk.kty };
  for (const m of a.members) pub[m] = jwk[m];
  return crypto.subtle.importKey('jwk', pub, a.importAs, false, ['verify']);
}

/** Verifies a JWS with WebCrypto against the provider's JWKS (independently of openid-client). */
async function verifyWithJwks(jwt) {
  const [h, p, s] = jwt.split('.');
  const { header } = decodeJwt(jwt);
  const set = await jwks();
  const jwk = set.keys.find((k) => k.kid === header.kid);
  assert.ok(jwk, `kid ${header.kid} is not in the JWKS (${set.keys.map((k) => k.kid).join(', ')})`);
  assert.equal(jwk.alg, header.alg, 'the header\'s alg is its key\'s');
  const key = await importJwk(jwk);
  return crypto.subtle.verify(ALGS[jwk.alg].verifyAs, key, Buffer.from(s, 'base64url'), new TextEncoder().encode(`${h}.${p}`));
}

/** Asserts that fn rejects with an OAuth error response whose error is code. */
async function rejectsWith(fn, code, message) {
  const err = await Promise.resolve().then(fn).then(
    () => assert.fail(`${message}: the provider accepted it`),
    (e) => e,
  );
  if (err instanceof assert.AssertionError) throw err;
  assert.equal(err.error, code, `${message}: expected ${code}, got ${err.name} ${err.error ?? ''} ${err.message}`);
  return err;
}

async function userinfoStatus(ctx, accessToken) {
  const res = await fetch(ctx.config.serverMetadata().userinfo_endpoint, { headers: { Authorization: `Bearer ${accessToken}` } });
  return res.status;
}

const now = () => Math.floor(Date.now() / 1000);

function isHttpsOrLoopback(u) {
  const url = new URL(u);
  return url.protocol === 'https:' || (url.protocol === 'http:' && ['127.0.0.1', '[::1]', 'localhost'].includes(url.hostname));
}

/** The ID token checks every oidcc module makes (beyond openid-client's own). */
function assertIdToken(ctx, claims, { nonce } = {}) {
  assert.equal(claims.iss, issuer);
  assert.ok(claims.aud === ctx.client.id || (Array.isArray(claims.aud) && claims.aud.includes(ctx.client.id)), 'aud names the client');
  if (Array.isArray(claims.aud) && claims.aud.length > 1) assert.equal(claims.azp, ctx.client.id);
  assert.equal(typeof claims.sub, 'string');
  assert.ok(claims.sub.length > 0 && claims.sub.length <= 255, 'sub is 1..255 characters');
  assert.ok(Number.isInteger(claims.exp) && claims.exp > now(), 'exp is in the future');
  assert.ok(Number.isInteger(claims.iat) && Math.abs(claims.iat - now()) < 60, 'iat is now');
  assert.ok(Number.isInteger(claims.auth_time) && claims.auth_time <= now() + 5, 'auth_time is an integer, not in the future');
  if (nonce !== undefined) assert.equal(claims.nonce, nonce);
}

/** OIDC Core §3.1.3.6 / §3.3.2.11: the left half of the SHA-256 of value, base64url. */
async function halfHash(value) {
  const d = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(value)));
  return Buffer.from(d.slice(0, 16)).toString('base64url');
}

/** at_hash and c_hash, when present, match the access token and the code. */
async function assertHashes(tokens, callback) {
  const claims = tokens.claims();
  if (claims.at_hash !== undefined) assert.equal(claims.at_hash, await halfHash(tokens.access_token), 'at_hash');
  if (claims.c_hash !== undefined) assert.equal(claims.c_hash, await halfHash(callback.searchParams.get('code')), 'c_hash');
}

// ----------------------------------------------------- discovery and keys

test('oidcc-discovery-endpoint-verification', async () => {
  const res = await fetch(`${issuer}/.well-known/openid-configuration`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type'), /^application\/json/);
  const m = await res.json();
  assert.equal(m.issuer, issuer, 'issuer matches the URL the document was fetched from');
  for (const k of ['authorization_endpoint', 'token_endpoint', 'userinfo_endpoint', 'jwks_uri', 'end_session_endpoint',
    'revocation_endpoint', 'introspection_endpoint']) {
    assert.equal(typeof m[k], 'string', `${k} is present`);
    assert.ok(isHttpsOrLoopback(m[k]), `${k} (${m[k]}) is https, or http on loopback`);
    assert.ok(m[k].startsWith(issuer), `${k} is on the issuer`);
  }
  // code for every client; id_token only for Entra ID's external authentication method (its own clients).
  assert.deepEqual(m.response_types_supported, ['code', 'id_token']);
  assert.ok(Array.isArray(m.subject_types_supported) && m.subject_types_supported.length > 0);
  assert.ok(m.subject_types_supported.every((t) => ['public', 'pairwise'].includes(t)), 'subject types are public/pairwise');
  assert.ok(m.id_token_signing_alg_values_supported.includes('RS256'), 'RS256 is supported');
  assert.ok(!m.id_token_signing_alg_values_supported.includes('none'), 'unsigned ID tokens are not offered');
  assert.ok(m.scopes_supported.includes('openid'));
  for (const s of ['profile', 'email', 'offline_access']) assert.ok(m.scopes_supported.includes(s), `scope ${s}`);
  for (const c of ['sub', 'iss', 'auth_time', 'acr', 'amr']) assert.ok(m.claims_supported.includes(c), `claim ${c}`);
  for (const a of ['client_secret_basic', 'client_secret_post', 'none']) {
    assert.ok(m.token_endpoint_auth_methods_supported.includes(a), `token endpoint auth ${a}`);
  }
  assert.deepEqual(m.code_challenge_methods_supported, ['S256']);
  assert.deepEqual([...m.grant_types_supported].sort(), ['authorization_code', 'client_credentials', 'refresh_token']);
  if (m.response_modes_supported) assert.ok(m.response_modes_supported.includes('query'));
  // The suite's server allows remembered browsers (interop_test.go), so
  // their class is advertised too.
  assert.deepEqual([...m.acr_values_supported].sort(), [ACR_MFA, ACR_PASSWORD, ACR_REMEMBERED_BROWSER, ACR_SECOND_FACTOR].sort());
  assert.notEqual(m.request_parameter_supported, true);
  assert.notEqual(m.request_uri_parameter_supported, true);
  for (const l of m.ui_locales_supported ?? []) assert.match(l, /^[a-z]{2}(-[A-Za-z0-9]+)*$/);
});

test('oidcc-discovery-endpoint-verification: jwks_uri serves valid signing keys of every advertised algorithm', async () => {
  const m = await metadata();
  const res = await fetch(m.jwks_uri);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type'), /json/);
  const set = await res.json();
  assert.ok(Array.isArray(set.keys) && set.keys.length > 0, 'at least one key');
  const kids = new Set();
  for (const k of set.keys) {
    const a = ALGS[k.alg];
    assert.ok(a, `every key names an algorithm otpgate signs with (got ${k.alg})`);
    assert.equal(k.kty, a.kty, `kty of a ${k.alg} key`);
    assert.equal(k.crv, a.crv, `crv of a ${k.alg} key`);
    assert.ok(k.use === undefined || k.use === 'sig', 'signing keys only');
    assert.ok(k.kid, 'every key has a kid');
    assert.ok(!kids.has(k.kid), 'kids are unique');
    kids.add(k.kid);
    for (const priv of ['d', 'p', 'q', 'dp', 'dq', 'qi']) assert.equal(k[priv], undefined, `no private member ${priv}`);
    if (k.kty === 'RSA') assert.ok(Buffer.from(k.n, 'base64url').length * 8 >= 2048, 'modulus of at least 2048 bits');
    await importJwk(k);
  }
  for (const alg of m.id_token_signing_alg_values_supported) {
    assert.ok(set.keys.some((k) => k.alg === alg), `a ${alg} key is published, as discovery advertises ${alg}`);
  }
});

// --------------------------------------------------------- basic modules

for (const auth of ['client_secret_basic', 'client_secret_post']) {
  test(`oidcc-server (${auth})`, async () => {
    const ctx = await setup({ auth });
    const { tokens, claims, checks, steps, callback } = await signIn(ctx);
    assert.deepEqual(steps, ['password', 'setup', 'question'], 'first sign-in: password, new password + question, question');
    assert.equal(callback.searchParams.get('state'), checks.expectedState);
    const iss = callback.searchParams.get('iss');
    if (iss !== null) assert.equal(iss, issuer);
    assert.equal(tokens.token_type.toLowerCase(), 'bearer');
    assert.ok(tokens.access_token);
    assert.ok(tokens.expires_in > 0);
    assertIdToken(ctx, claims, { nonce: checks.expectedNonce });
    await assertHashes(tokens, callback);
    const info = await oidc.fetchUserInfo(ctx.config, tokens.access_token, claims.sub);
    assert.equal(info.sub, claims.sub);
  });
}

test('oidcc-server (none: public client with PKCE)', async () => {
  const ctx = await setup({ public: true });
  const { tokens, claims, checks } = await signIn(ctx);
  assertIdToken(ctx, claims, { nonce: checks.expectedNonce });
  const info = await oidc.fetchUserInfo(ctx.config, tokens.access_token, claims.sub);
  assert.equal(info.sub, claims.sub);
});

test('oidcc-response-type-missing', async () => {
  const ctx = await setup();
  const { params } = await authParams(ctx);
  const url = oidc.buildAuthorizationUrl(ctx.config, params);
  url.searchParams.delete('response_type');
  const r = await ctx.agent.follow(url.href, { stopAt: ctx.client.redirectUri });
  if (r.redirect) {
    assert.equal(r.redirect.searchParams.get('code'), null, 'no code without a response_type');
    assert.equal(r.redirect.searchParams.get('error'), 'invalid_request');
    assert.equal(r.redirect.searchParams.get('state'), params.state);
  } else {
    assert.equal(r.page.step, 'error', `expected the error page, got ${r.page.step} (status ${r.page.status})`);
    assert.ok(r.page.status >= 400 && r.page.status < 500, `status ${r.page.status}`);
    assert.ok(r.page.alert, 'the error page says what went wrong');
  }
});

test('oidcc-idtoken-signature', async () => {
  const ctx = await setup();
  const { tokens } = await signIn(ctx); // openid-client verified the signature against the JWKS
  assert.equal(await verifyWithJwks(tokens.id_token), true, 'WebCrypto verifies the signature with the published key');
  const [h, p, s] = tokens.id_token.split('.');
  const sig = Buffer.from(s, 'base64url');
  sig[sig.length - 1] ^= 1;
  assert.equal(await verifyWithJwks(`${h}.${p}.${sig.toString('base64url')}`), false, 'a changed signature does not verify');
  const payload = JSON.parse(Buffer.from(p, 'base64url'));
  payload.sub = 'someone-else';
  assert.equal(await verifyWithJwks(`${h}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${s}`), false,
    'a changed payload does not verify');
});

test('oidcc-idtoken-rs256', async () => {
  const ctx = await setup();
  const { tokens } = await signIn(ctx);
  const { header } = decodeJwt(tokens.id_token);
  assert.equal(header.alg, 'RS256');
  assert.ok(header.kid, 'the header names its key');
  const set = await jwks();
  const jwk = set.keys.find((k) => k.kid === header.kid);
  assert.ok(jwk, 'the kid is in the JWKS');
  assert.equal(jwk.kty, 'RSA');
  assert.equal(await verifyWithJwks(tokens.id_token), true);
});

for (const alg of ['ES256', 'EdDSA']) {
  test(`ID tokens signed with the client's id_token_signed_response_alg: ${alg}, at the code exchange and on refresh`, async () => {
    const ctx = await setup({ idTokenAlg: alg });
    assert.ok(ctx.config.serverMetadata().id_token_signing_alg_values_supported.includes(alg), `discovery advertises ${alg}`);
    const { tokens, claims, checks } = await signIn(ctx, { scope: 'openid offline_access' });
    assertIdToken(ctx, claims, { nonce: checks.expectedNonce });
    assert.equal(decodeJwt(tokens.id_token).header.alg, alg);
    assert.equal(await verifyWithJwks(tokens.id_token), true);
    const refreshed = await oidc.refreshTokenGrant(ctx.config, tokens.refresh_token);
    assert.ok(refreshed.id_token, 'the refresh answers an ID token');
    assert.equal(decodeJwt(refreshed.id_token).header.alg, alg);
    assert.equal(await verifyWithJwks(refreshed.id_token), true);
  });
}

test('oidcc-userinfo-get', async () => {
  const ctx = await setup();
  const { tokens, claims } = await signIn(ctx, { scope: 'openid profile email' });
  const info = await oidc.fetchUserInfo(ctx.config, tokens.access_token, claims.sub);
  assert.equal(info.sub, claims.sub);
  assert.equal(info.email, ctx.user.email);
});

test('oidcc-userinfo-post-header', async () => {
  const ctx = await setup();
  const { tokens, claims } = await signIn(ctx, { scope: 'openid email' });
  const res = await oidc.fetchProtectedResource(ctx.config, tokens.access_token,
    new URL(ctx.config.serverMetadata().userinfo_endpoint), 'POST');
  assert.equal(res.status, 200);
  const info = await res.json();
  assert.equal(info.sub, claims.sub);
  assert.equal(info.email, ctx.user.email);
});

test('oidcc-userinfo-post-body', async () => {
  const ctx = await setup();
  const { tokens, claims } = await signIn(ctx, { scope: 'openid email' });
  // RFC 6750 §2.2: the access token in a form-encoded POST body.
  const res = await fetch(ctx.config.serverMetadata().userinfo_endpoint, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ access_token: tokens.access_token }),
  });
  assert.equal(res.status, 200, `userinfo refused a form-encoded access_token: ${res.status} ${await res.clone().text()}`);
  const info = await res.json();
  assert.equal(info.sub, claims.sub);
});

test('oidcc-ensure-request-without-nonce-succeeds-for-code-flow', async () => {
  const ctx = await setup();
  const { claims, checks } = await signIn(ctx, {}, { nonce: false });
  assert.equal(checks.expectedNonce, undefined);
  assert.equal(claims.nonce, undefined, 'no nonce requested, none returned');
  assertIdToken(ctx, claims);
});

test('oidcc-scope-profile', async () => {
  const ctx = await setup();
  const { tokens, claims } = await signIn(ctx, { scope: 'openid profile' });
  const info = await oidc.fetchUserInfo(ctx.config, tokens.access_token, claims.sub);
  assert.equal(info.preferred_username, ctx.user.username, 'profile scope gives preferred_username');
  assert.equal(info.email, undefined, 'no email without the email scope');
});

test('oidcc-scope-email', async () => {
  const ctx = await setup();
  const { tokens, claims } = await signIn(ctx, { scope: 'openid email' });
  const info = await oidc.fetchUserInfo(ctx.config, tokens.access_token, claims.sub);
  assert.equal(info.email, ctx.user.email);
  if (info.email_verified !== undefined) assert.equal(typeof info.email_verified, 'boolean');
  assert.equal(info.preferred_username, undefined, 'no profile claims without the profile scope');
});

test('oidcc-scope-all', async () => {
  // address and phone are not in scopes_supported (oidcc-scope-address and
  // oidcc-scope-phone do not apply); asking for them too must not fail.
  const ctx = await setup();
  const { tokens, claims } = await signIn(ctx, { scope: 'openid profile email address phone' });
  const info = await oidc.fetchUserInfo(ctx.config, tokens.access_token, claims.sub);
  assert.equal(info.preferred_username, ctx.user.username);
  assert.equal(info.email, ctx.user.email);
});

test('oidcc-ensure-other-scope-order-succeeds', async () => {
  const ctx = await setup();
  const { tokens, claims } = await signIn(ctx, { scope: 'email openid' });
  const info = await oidc.fetchUserInfo(ctx.config, tokens.access_token, claims.sub);
  assert.equal(info.email, ctx.user.email);
});

for (const display of ['page', 'popup']) {
  test(`oidcc-display-${display}`, async () => {
    const ctx = await setup();
    const { claims } = await signIn(ctx, { display });
    assertIdToken(ctx, claims);
  });
}

test('oidcc-prompt-login', async () => {
  const ctx = await setup();
  const first = await signIn(ctx);
  await sleep(1100);
  const second = await signIn(ctx, { prompt: 'login' });
  assert.deepEqual(second.steps, ['password', 'question'], 'prompt=login asks for the password (and the question) again');
  assert.equal(second.claims.sub, first.claims.sub);
  assert.ok(second.claims.auth_time > first.claims.auth_time, 'auth_time moves with the new authentication');
});

test('oidcc-prompt-none-not-logged-in', async () => {
  const ctx = await setup();
  const { error, redirect } = await authorizeError(ctx, { prompt: 'none' });
  assert.equal(error, 'login_required');
  assert.ok(redirect.searchParams.get('state'), 'the error response carries the state');
});

test('oidcc-prompt-none-logged-in', async () => {
  const ctx = await setup();
  const first = await signIn(ctx);
  const second = await signIn(ctx, { prompt: 'none' });
  assert.deepEqual(second.steps, [], 'no page is shown');
  assert.equal(second.claims.sub, first.claims.sub);
  assert.equal(second.claims.auth_time, first.claims.auth_time);
});

test('oidcc-max-age-1', async () => {
  const ctx = await setup();
  const first = await signIn(ctx);
  await sleep(2100);
  const second = await signIn(ctx, { max_age: '1' }, { maxAge: 1 });
  assert.deepEqual(second.steps, ['password', 'question'], 'an older session is not used: the person signs in again');
  assert.ok(second.claims.auth_time > first.claims.auth_time, 'auth_time moves');
  assert.ok(now() - second.claims.auth_time <= 2, 'auth_time is recent');
});

test('oidcc-max-age-10000', async () => {
  const ctx = await setup();
  const first = await signIn(ctx);
  const second = await signIn(ctx, { max_age: '10000' }, { maxAge: 10000 });
  assert.deepEqual(second.steps, [], 'the session is young enough: no page');
  assert.equal(second.claims.auth_time, first.claims.auth_time);
});

test('oidcc-ensure-request-with-unknown-parameter-succeeds', async () => {
  const ctx = await setup();
  const { claims } = await signIn(ctx, { extra: 'foobar', 'x-unknown-param': 'ignored' });
  assertIdToken(ctx, claims);
});

test('oidcc-id-token-hint', async () => {
  const ctx = await setup();
  const first = await signIn(ctx);
  const second = await signIn(ctx, { prompt: 'none', id_token_hint: first.tokens.id_token });
  assert.deepEqual(second.steps, []);
  assert.equal(second.claims.sub, first.claims.sub);
});

test('oidcc-login-hint', async () => {
  const ctx = await setup();
  const { params } = await authParams(ctx, { login_hint: ctx.user.username });
  const { page } = await ctx.agent.follow(oidc.buildAuthorizationUrl(ctx.config, params).href, { stopAt: ctx.client.redirectUri });
  assert.equal(page.step, 'password');
  assert.equal(page.form().fields.username, ctx.user.username, 'the username field is prefilled from login_hint');
  // And the sign-in completes from there.
  const callback = await ctx.agent.signIn(page.url, ctx.user, { redirectUri: ctx.client.redirectUri });
  assert.ok(callback.searchParams.get('code'));
});

test('oidcc-ui-locales', async () => {
  const ctx = await setup();
  const { params } = await authParams(ctx, { ui_locales: 'ja' });
  const { page } = await ctx.agent.follow(oidc.buildAuthorizationUrl(ctx.config, params).href, { stopAt: ctx.client.redirectUri });
  assert.equal(page.step, 'password');
  assert.equal(page.lang, 'ja', 'ui_locales=ja gives a Japanese page (the agent sends Accept-Language: en)');
  assert.match(page.html, /[\u3040-\u30ff\u4e00-\u9fff]/, 'the page text is Japanese');
  const en = await new Agent().follow(oidc.buildAuthorizationUrl(ctx.config, (await authParams(ctx)).params).href,
    { stopAt: ctx.client.redirectUri });
  assert.equal(en.page.lang, 'en', 'without ui_locales the same page is English');
});

test('oidcc-claims-locales', async () => {
  const ctx = await setup();
  const { tokens, claims } = await signIn(ctx, { scope: 'openid profile', claims_locales: 'ja' });
  const info = await oidc.fetchUserInfo(ctx.config, tokens.access_token, claims.sub);
  assert.equal(info.sub, claims.sub);
});

test('oidcc-ensure-request-with-acr-values-succeeds', async () => {
  // What the module sends by default: acr_values=1 2, values otpgate does
  // not know. acr_values requests acr as a voluntary claim (OIDC Core
  // §3.1.2.1): the request succeeds and acr says what was performed.
  // unmet_authentication_requirements is only for an essential acr claim
  // and "MUST NOT be used in any other case" (OpenID Connect Core Error
  // Code unmet_authentication_requirements 1.0).
  const ctx = await setup();
  const { params, checks } = await authParams(ctx, { acr_values: '1 2' });
  const callback = await ctx.agent.signIn(oidc.buildAuthorizationUrl(ctx.config, params).href, ctx.user,
    { redirectUri: ctx.client.redirectUri });
  assert.equal(callback.searchParams.get('error'), null,
    `the request is refused: ${callback.searchParams.get('error')}: ${callback.searchParams.get('error_description')}`);
  const tokens = await oidc.authorizationCodeGrant(ctx.config, callback, checks);
  assert.equal(tokens.claims().acr, ACR_PASSWORD, 'acr is what was performed, never an unknown requested value');
  assert.deepEqual(tokens.claims().amr, AMR_FIRST);
});

test('oidcc-ensure-request-with-acr-values-succeeds (acr_values = the multi-factor acr)', async () => {
  const m = await metadata();
  assert.ok(m.acr_values_supported.includes(ACR_MFA), 'discovery lists the multi-factor acr');
  const ctx = await setup();
  // The multi-factor acr makes two-factor required for an account and a
  // client that do not require it: the person enrols an authenticator app.
  const { claims, steps } = await signIn(ctx, { acr_values: ACR_MFA });
  assert.deepEqual(steps, ['password', 'setup', 'question', 'enroll', 'recovery-codes']);
  assert.equal(claims.acr, ACR_MFA);
  assert.deepEqual(claims.amr, AMR_MFA);
  assert.ok(ctx.user.totpSecret, 'the agent enrolled a device');
  // Both values, most preferred first: the person passes the passcode.
  const fresh = new Agent();
  const again = await signIn(ctx, { acr_values: `${ACR_MFA} ${ACR_PASSWORD}` }, { agent: fresh });
  assert.deepEqual(again.steps, ['password', 'question', 'otp']);
  assert.equal(again.claims.acr, ACR_MFA);
  assert.deepEqual(again.claims.amr, AMR_MFA);
});

test('oidcc-claims-essential', async () => {
  const ctx = await setup();
  const { tokens, claims } = await signIn(ctx, {
    scope: 'openid',
    claims: JSON.stringify({ userinfo: { name: { essential: true } } }),
  });
  const info = await oidc.fetchUserInfo(ctx.config, tokens.access_token, claims.sub);
  assert.equal(info.sub, claims.sub);
});

for (const wait of [0, 30]) {
  const name = wait ? 'oidcc-codereuse-30seconds' : 'oidcc-codereuse';
  const run = async () => {
    const ctx = await setup();
    const { params, checks } = await authParams(ctx, { scope: 'openid offline_access' });
    const callback = await ctx.agent.signIn(oidc.buildAuthorizationUrl(ctx.config, params).href, ctx.user,
      { redirectUri: ctx.client.redirectUri });
    const tokens = await oidc.authorizationCodeGrant(ctx.config, callback, checks);
    assert.equal(await userinfoStatus(ctx, tokens.access_token), 200);
    assert.ok(tokens.refresh_token, 'offline_access gives a refresh token');
    if (wait) await sleep(wait * 1000);
    await rejectsWith(() => oidc.authorizationCodeGrant(ctx.config, callback, checks), 'invalid_grant', 'second redemption of the code');
    // RFC 6749 §4.1.2: the tokens issued for the code are revoked. (The
    // status of the refusal is checked by 'RFC 6750 userinfo errors'.)
    assert.notEqual(await userinfoStatus(ctx, tokens.access_token), 200, 'the access token of the first redemption is revoked');
    await rejectsWith(() => oidc.refreshTokenGrant(ctx.config, tokens.refresh_token), 'invalid_grant',
      'the refresh token of the first redemption');
  };
  if (wait) {
    // Side by side with the key rotation test (both mostly wait).
    describe('slow modules', { concurrency: true }, () => {
      test(name, run);
      test('oidcc-server-rotate-keys', rotateKeys);
    });
  } else {
    test(name, run);
  }
}

test('oidcc-ensure-registered-redirect-uri', async () => {
  const ctx = await setup();
  for (const bad of [`${ctx.client.redirectUri}/other`, `${ctx.client.redirectUri}?x=1`, 'https://attacker.example.test/callback']) {
    const { params } = await authParams(ctx, { redirect_uri: bad });
    const agent = new Agent();
    const r = await agent.follow(oidc.buildAuthorizationUrl(ctx.config, params).href, { stopAt: 'https://' });
    assert.equal(r.redirect, undefined, `never redirects to the unregistered ${bad}`);
    assert.equal(r.page.step, 'error', `an error page for ${bad}`);
    assert.equal(r.page.status, 400);
    assert.ok(r.page.alert);
  }
});

test('oidcc-unsigned-request-object-supported-correctly-or-rejected-as-unsupported', async () => {
  const ctx = await setup();
  const { params, checks } = await authParams(ctx);
  const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const request = `${b64({ alg: 'none' })}.${b64({ ...params, response_type: 'code', client_id: ctx.client.id, iss: ctx.client.id, aud: issuer })}.`;
  // OIDC Core §6.1: response_type, client_id and scope go outside the request object too.
  const url = oidc.buildAuthorizationUrl(ctx.config, { ...params, response_type: 'code', request });
  const r = await ctx.agent.signIn(url.href, ctx.user, { redirectUri: ctx.client.redirectUri });
  if (r.searchParams.get('error')) {
    assert.equal(r.searchParams.get('error'), 'request_not_supported');
    assert.equal(r.searchParams.get('code'), null);
  } else {
    const tokens = await oidc.authorizationCodeGrant(ctx.config, r, checks);
    assertIdToken(ctx, tokens.claims(), { nonce: checks.expectedNonce });
  }
});

test('oidcc-ensure-post-request-succeeds', async () => {
  const ctx = await setup();
  const { claims, checks } = await signIn(ctx, {}, { post: true });
  assertIdToken(ctx, claims, { nonce: checks.expectedNonce });
});

test('oidcc-refresh-token', async () => {
  const ctx = await setup({ mfa: true });
  const first = await signIn(ctx, { scope: 'openid email offline_access' });
  const rt1 = first.tokens.refresh_token;
  assert.ok(rt1, 'offline_access gives a refresh token');
  await sleep(1100);
  const refreshed = await oidc.refreshTokenGrant(ctx.config, rt1);
  const rt2 = refreshed.refresh_token;
  assert.ok(rt2, 'a new refresh token');
  assert.notEqual(rt2, rt1, 'the refresh token rotates');
  assert.ok(refreshed.access_token);
  assert.notEqual(refreshed.access_token, first.tokens.access_token);
  const c = refreshed.claims();
  assert.ok(c, 'an ID token on refresh');
  for (const k of ['iss', 'sub', 'auth_time', 'acr']) assert.deepEqual(c[k], first.claims[k], `${k} is unchanged`);
  assert.deepEqual(c.aud, first.claims.aud);
  assert.deepEqual(c.amr, first.claims.amr);
  assert.deepEqual(c.amr, AMR_MFA);
  assert.ok(c.iat > first.claims.iat, 'iat is the time of the refresh');
  assert.equal(await verifyWithJwks(refreshed.id_token), true);
  const info = await oidc.fetchUserInfo(ctx.config, refreshed.access_token, c.sub);
  assert.equal(info.email, ctx.user.email);
  // Past tokens.refresh_reuse_interval (1s in this suite; parallel
  // refreshes within it each get a successor) the old refresh token is
  // refused, and its reuse revokes the family.
  await sleep(1100);
  await rejectsWith(() => oidc.refreshTokenGrant(ctx.config, rt1), 'invalid_grant', 'the rotated-out refresh token');
  await rejectsWith(() => oidc.refreshTokenGrant(ctx.config, rt2), 'invalid_grant', 'the newer refresh token after reuse was detected');
});

test('oidcc-ensure-request-with-valid-pkce-succeeds', async () => {
  const ctx = await setup();
  const { params, checks } = await authParams(ctx);
  assert.equal(params.code_challenge_method, 'S256');
  const callback = await ctx.agent.signIn(oidc.buildAuthorizationUrl(ctx.config, params).href, ctx.user,
    { redirectUri: ctx.client.redirectUri });
  // The wrong verifier is refused (and does not burn the code).
  await rejectsWith(() => oidc.authorizationCodeGrant(ctx.config, callback,
    { ...checks, pkceCodeVerifier: oidc.randomPKCECodeVerifier() }), 'invalid_grant', 'a wrong code_verifier');
  const tokens = await oidc.authorizationCodeGrant(ctx.config, callback, checks);
  assertIdToken(ctx, tokens.claims(), { nonce: checks.expectedNonce });
});

test('PKCE: plain is refused, and a public client must use S256', async () => {
  const ctx = await setup();
  const verifier = oidc.randomPKCECodeVerifier();
  const plain = await authorizeError(ctx, { code_challenge: verifier, code_challenge_method: 'plain' });
  assert.equal(plain.error, 'invalid_request', 'code_challenge_method=plain');
  const pub = await setup({ public: true });
  const none = await authorizeError(pub, { code_challenge: undefined, code_challenge_method: undefined });
  assert.equal(none.error, 'invalid_request', 'a public client without PKCE');
});

// ------------------------------------------------- key rotation (Config OP)

/** The key activation delay interop_test.go gives the provider. */
const ACTIVATION_DELAY_MS = 5_000;

async function rotateKeys() {
  const ctx = await setup();
  const before = await signIn(ctx);
  const oldKid = decodeJwt(before.tokens.id_token).header.kid;
  const out = cli('keys', 'rotate');
  // A key per algorithm: the client signs with RS256 (the default).
  const newKid = /([A-Za-z0-9_-]+) \(RS256\)/.exec(out)?.[1];
  assert.ok(newKid && newKid !== oldKid, `keys rotate printed a new kid: ${out}`);
  // Within 30 s the running provider publishes both keys.
  const rotatedAt = Date.now();
  const deadline = rotatedAt + 35_000;
  let kids = [];
  while (Date.now() < deadline) {
    kids = (await jwks()).keys.map((k) => k.kid);
    if (kids.includes(newKid)) break;
    await sleep(500);
  }
  const took = (Date.now() - rotatedAt) / 1000;
  assert.ok(kids.includes(newKid) && took <= 31, `the new key ${newKid} is published within 30 s (took ${took} s; JWKS: ${kids.join(', ')})`);
  assert.ok(kids.includes(oldKid), 'the old key stays published while its tokens live');
  assert.equal(await verifyWithJwks(before.tokens.id_token), true, 'tokens signed before the rotation still verify');
  // New ID tokens are signed with the new key once it has been published for
  // the activation delay, counted from its creation by `keys rotate`
  // (OTPGATE_TOKENS_KEY_ACTIVATION_DELAY=5s in interop_test.go); until then
  // the old key signs. Waiting for that moment (plus a margin) makes this
  // deterministic: the provider may publish the key at any time within its
  // 30 s reload, and a sign-in right after an early reload was signed by the
  // old key (the suite failed that way about one run in ten).
  await sleep(Math.max(0, rotatedAt + ACTIVATION_DELAY_MS + 1_000 - Date.now()));
  // A fresh RP configuration: openid-client refetches a JWKS on an unknown
  // kid only once its cached copy is 60 s old.
  const later = await signIn({ ...ctx, config: await rp(ctx.client) });
  assert.equal(decodeJwt(later.tokens.id_token).header.kid, newKid);
  assert.equal(await verifyWithJwks(later.tokens.id_token), true);
}

// ------------------------------------------ revocation and introspection

test('RFC 7009 token revocation', async () => {
  const ctx = await setup();
  const { tokens } = await signIn(ctx, { scope: 'openid offline_access' });
  assert.ok(tokens.refresh_token);
  assert.equal(await userinfoStatus(ctx, tokens.access_token), 200);
  await oidc.tokenRevocation(ctx.config, tokens.refresh_token, { token_type_hint: 'refresh_token' });
  await rejectsWith(() => oidc.refreshTokenGrant(ctx.config, tokens.refresh_token), 'invalid_grant', 'a revoked refresh token');
  // §2.1: revoking a refresh token SHOULD also invalidate the access tokens of the same grant.
  assert.notEqual(await userinfoStatus(ctx, tokens.access_token), 200, 'the access token of the revoked grant');
  // An access token on its own (a new grant, from the single sign-on session).
  const second = await signIn(ctx, { scope: 'openid offline_access' });
  assert.equal(await userinfoStatus(ctx, second.tokens.access_token), 200);
  await oidc.tokenRevocation(ctx.config, second.tokens.access_token, { token_type_hint: 'access_token' });
  assert.notEqual(await userinfoStatus(ctx, second.tokens.access_token), 200, 'a revoked access token no longer works');
  // An unknown, invalid or already revoked token: 200 all the same (§2.2).
  await oidc.tokenRevocation(ctx.config, 'not-a-token-at-all');
  await oidc.tokenRevocation(ctx.config, tokens.refresh_token);
  // A client cannot revoke another client's token.
  const other = await setup();
  const theirs = await signIn(other, { scope: 'openid offline_access' });
  await oidc.tokenRevocation(ctx.config, theirs.tokens.refresh_token).catch(() => {});
  const still = await oidc.refreshTokenGrant(other.config, theirs.tokens.refresh_token);
  assert.ok(still.access_token, "another client's token survives a revocation attempt by this client");
});

test('RFC 7662 token introspection', async () => {
  const ctx = await setup();
  const { tokens, claims } = await signIn(ctx, { scope: 'openid offline_access' });
  const live = await oidc.tokenIntrospection(ctx.config, tokens.access_token);
  assert.equal(live.active, true, 'a live access token is active for its own client');
  assert.equal(live.sub, claims.sub);
  assert.equal(live.client_id, ctx.client.id);
  if (live.exp !== undefined) assert.ok(live.exp > now());
  // Every advertised client authentication method works.
  const methods = ctx.config.serverMetadata().introspection_endpoint_auth_methods_supported ?? ['client_secret_basic'];
  for (const method of methods.filter((x) => ['client_secret_basic', 'client_secret_post'].includes(x))) {
    const c = await rp(ctx.client, method);
    assert.equal((await oidc.tokenIntrospection(c, tokens.access_token)).active, true, `with ${method}`);
  }
  const other = createClient();
  const otherConfig = await rp(other);
  assert.equal((await oidc.tokenIntrospection(otherConfig, tokens.access_token)).active, false,
    "another client learns nothing about this client's token");
  assert.equal((await oidc.tokenIntrospection(ctx.config, 'garbage')).active, false, 'garbage is inactive');
  await oidc.tokenRevocation(ctx.config, tokens.access_token);
  assert.equal((await oidc.tokenIntrospection(ctx.config, tokens.access_token)).active, false, 'a revoked token is inactive');
  // Wrong client credentials are refused outright, with an RFC 6749 §5.2
  // error response (RFC 7662 §2.3): 401, JSON, error=invalid_client, and —
  // since the client authenticated with HTTP Basic — a WWW-Authenticate
  // challenge (§5.2 requires it), which openid-client reports as a
  // challenge error.
  const wrong = await rp({ ...ctx.client, secret: 'wrong-secret' });
  const err = await oidc.tokenIntrospection(wrong, tokens.access_token).then(() => assert.fail('wrong secret accepted'), (e) => e);
  const res = err.response ?? err.cause;
  assert.equal(res?.status, 401, `wrong client secret: ${err}`);
  assert.match(res.headers.get('content-type') ?? '', /application\/json/, 'the refusal is a JSON OAuth error response');
  if (err instanceof oidc.ResponseBodyError) {
    assert.equal(err.error, 'invalid_client');
  } else {
    assert.equal(err.code, 'OAUTH_WWW_AUTHENTICATE_CHALLENGE', `unexpected refusal ${err.code ?? err.name}`);
    assert.match(res.headers.get('www-authenticate') ?? '', /^Basic/);
    const body = await res.clone().json().catch(() => null);
    if (body) assert.equal(body.error, 'invalid_client');
  }
});

test('RFC 6750 userinfo error responses', async () => {
  // OIDC Core §5.3.3: userinfo errors are RFC 6750 §3 errors: 401 with a
  // WWW-Authenticate: Bearer challenge (error="invalid_token" for a bad token).
  const ctx = await setup();
  const { tokens } = await signIn(ctx);
  await oidc.tokenRevocation(ctx.config, tokens.access_token);
  const endpoint = ctx.config.serverMetadata().userinfo_endpoint;
  const cases = [
    ['no access token', {}, false],
    ['a malformed access token', { Authorization: 'Bearer not-a-token' }, true],
    ['a revoked access token', { Authorization: `Bearer ${tokens.access_token}` }, true],
  ];
  const problems = [];
  for (const [what, headers, invalid] of cases) {
    const res = await fetch(endpoint, { headers });
    const challenge = res.headers.get('www-authenticate') ?? '';
    const body = (await res.text()).slice(0, 80);
    if (res.status !== 401) problems.push(`${what}: status ${res.status} (want 401), body ${JSON.stringify(body)}`);
    if (!/^Bearer\b/i.test(challenge)) problems.push(`${what}: no WWW-Authenticate: Bearer challenge`);
    else if (invalid && !/error="invalid_token"/.test(challenge)) problems.push(`${what}: challenge without error="invalid_token": ${challenge}`);
  }
  assert.deepEqual(problems, []);
});

// ------------------------------------------------- RP-initiated logout

test('oidcc-rp-initiated-logout', async () => {
  const ctx = await setup();
  const { tokens } = await signIn(ctx);
  const state = oidc.randomState();
  const url = oidc.buildEndSessionUrl(ctx.config, {
    id_token_hint: tokens.id_token,
    post_logout_redirect_uri: ctx.client.postLogoutUri,
    state,
  });
  const r = await ctx.agent.follow(url.href, { stopAt: ctx.client.postLogoutUri });
  assert.ok(r.page, 'a confirmation page, not an immediate redirect');
  assert.equal(r.page.status, 200);
  assert.equal(r.page.step, 'logout');
  assert.ok(r.page.forms.length === 1, 'the confirmation page has one POST form');
  const done = await ctx.agent.submit(r.page, {}, { stopAt: ctx.client.postLogoutUri });
  assert.ok(done.redirect, `after confirming, a redirect to the post-logout URI (got ${done.page?.step} ${done.page?.status})`);
  assert.equal(`${done.redirect.origin}${done.redirect.pathname}`, ctx.client.postLogoutUri);
  assert.equal(done.redirect.searchParams.get('state'), state, 'the state comes back');
  // The session is gone: prompt=none needs a sign-in now.
  const { error } = await authorizeError(ctx, { prompt: 'none' });
  assert.equal(error, 'login_required');
});

/**
 * An end_session request the OP must refuse (RP-Initiated Logout §3, §4):
 * no redirect at all, a 4xx, or a confirmation page that ignores the bad
 * parameter (otpgate's choice: the application has already dropped its
 * own session, so the person can still sign out here). The unregistered
 * URI may be named in the page's text for the administrator, never put in
 * a link, a form or an attribute. Returns the page.
 */
async function assertLogoutRefused(ctx, params, what) {
  const url = oidc.buildEndSessionUrl(ctx.config, params);
  const r = await ctx.agent.follow(url.href, { stopAt: 'https://' });
  assert.equal(r.redirect, undefined, `${what}: never redirected`);
  assert.ok(!/(href|action|value|src)="[^"]*attacker\.example\.test/.test(r.page.html),
    `${what}: the unregistered URI is in no link, form or attribute`);
  if (r.page.step === 'logout') {
    // Confirming must not redirect anywhere outside the provider, and
    // signs the person out.
    const after = await ctx.agent.submit(r.page, {}, { stopAt: 'https://' });
    assert.equal(after.redirect, undefined, `${what}: not after confirming either`);
    const { error } = await authorizeError(ctx, { prompt: 'none' });
    assert.equal(error, 'login_required', `${what}: confirming ended the session`);
    return r.page;
  }
  assert.ok(r.page.status >= 400 && r.page.status < 500, `${what}: status ${r.page.status}`);
  const again = await signIn(ctx, { prompt: 'none' });
  assert.deepEqual(again.steps, [], `${what}: the session was not ended`);
  return r.page;
}

test('oidcc-rp-initiated-logout-bad-post-logout-redirect-uri', async () => {
  const ctx = await setup();
  const { tokens } = await signIn(ctx);
  await assertLogoutRefused(ctx, { id_token_hint: tokens.id_token, post_logout_redirect_uri: 'https://attacker.example.test/signed-out', state: 'xyz' },
    'an unregistered post_logout_redirect_uri');
});

test('oidcc-rp-initiated-logout-modified-id-token-hint', async () => {
  const ctx = await setup();
  const { tokens } = await signIn(ctx);
  const [h, p, s] = tokens.id_token.split('.');
  const sig = Buffer.from(s, 'base64url');
  sig[10] ^= 1;
  await assertLogoutRefused(ctx, { id_token_hint: `${h}.${p}.${sig.toString('base64url')}`, post_logout_redirect_uri: ctx.client.postLogoutUri, state: 'xyz' },
    'an id_token_hint with a broken signature');
});

/** Opens end_session, confirms, and returns where the browser was sent. */
async function logout(ctx, params) {
  const r = await ctx.agent.follow(oidc.buildEndSessionUrl(ctx.config, params).href, { stopAt: 'https://' });
  assert.ok(r.page, 'a confirmation page first');
  assert.equal(r.page.step, 'logout', `the logout confirmation page (got ${r.page.step}, status ${r.page.status})`);
  return ctx.agent.submit(r.page, {}, { stopAt: 'https://' });
}

test('end_session refusals show otpgate\'s error page (DESIGN: browser pages, bad input)', async () => {
  // The RP sends the browser to end_session, so a refusal is read by a
  // person: it must be the provider's own translated error page (with its
  // security headers), not a raw JSON body.
  const ctx = await setup();
  const { tokens } = await signIn(ctx);
  const problems = [];
  for (const [what, params] of [
    ['an unregistered post_logout_redirect_uri', { id_token_hint: tokens.id_token, post_logout_redirect_uri: 'https://attacker.example.test/x', state: 's' }],
    ['a malformed id_token_hint', { id_token_hint: 'a.b.c', post_logout_redirect_uri: ctx.client.postLogoutUri, state: 's' }],
  ]) {
    const page = await assertLogoutRefused(ctx, params, what);
    if (page.step === 'logout') continue;
    if (page.step !== 'error' || !page.alert) {
      problems.push(`${what}: status ${page.status}, ${page.headers.get('content-type')}: ${page.html.slice(0, 100)}`);
    }
  }
  assert.deepEqual(problems, []);
});

test('oidcc-rp-initiated-logout-no-post-logout-redirect-uri', async () => {
  const ctx = await setup();
  const { tokens } = await signIn(ctx);
  const done = await logout(ctx, { id_token_hint: tokens.id_token });
  assert.equal(done.redirect, undefined, 'no post-logout redirection without a post_logout_redirect_uri');
  assert.equal(done.page.status, 200);
  assert.equal(done.page.step, 'logged-out', "otpgate's signed-out page");
  const { error } = await authorizeError(ctx, { prompt: 'none' });
  assert.equal(error, 'login_required', 'signed out');
});

test('oidcc-rp-initiated-logout-no-params', async () => {
  const ctx = await setup();
  await signIn(ctx);
  const r = await ctx.agent.follow(ctx.config.serverMetadata().end_session_endpoint, { stopAt: 'https://' });
  assert.equal(r.page?.step, 'logout', 'the OP asks before signing out');
  const done = await ctx.agent.submit(r.page, {}, { stopAt: 'https://' });
  assert.equal(done.redirect, undefined);
  assert.equal(done.page.step, 'logged-out');
  const { error } = await authorizeError(ctx, { prompt: 'none' });
  assert.equal(error, 'login_required', 'signed out');
});

test('oidcc-rp-initiated-logout-only-state', async () => {
  const ctx = await setup();
  await signIn(ctx);
  const done = await logout(ctx, { state: 'only-state' });
  assert.equal(done.redirect, undefined, 'state alone gives no redirection');
  assert.equal(done.page.step, 'logged-out');
});

test('oidcc-rp-initiated-logout-query-added-to-post-logout-redirect-uri', async () => {
  const id = createClient().id; // a throwaway id for a unique URI
  const client = createClient({ postLogoutUris: [`https://rp.example.test/${id}/signed-out?foo=bar`] });
  const ctx = { client, user: createUser(), config: await rp(client), agent: new Agent() };
  const { tokens } = await signIn(ctx);
  const done = await logout(ctx, { id_token_hint: tokens.id_token, post_logout_redirect_uri: client.postLogoutUri, state: 'st8' });
  assert.ok(done.redirect, 'redirected to the registered URI');
  assert.equal(`${done.redirect.origin}${done.redirect.pathname}`, client.postLogoutUri.split('?')[0]);
  assert.equal(done.redirect.searchParams.get('foo'), 'bar', 'the registered query is kept');
  assert.equal(done.redirect.searchParams.get('state'), 'st8', 'state is added');
});

// -------------------------------------- amr / acr / auth_time truthfulness

test('amr/acr/auth_time: password and security question', async () => {
  const ctx = await setup();
  const t0 = now();
  const { claims, steps } = await signIn(ctx);
  assert.deepEqual(steps, ['password', 'setup', 'question']);
  assert.deepEqual(claims.amr, AMR_FIRST);
  assert.equal(claims.acr, ACR_PASSWORD);
  assert.ok(claims.auth_time >= t0 - 1 && claims.auth_time <= now(), 'auth_time is the time of this sign-in');
  // A later sign-in in a new browser: the password and the question, no setup.
  await sleep(1100);
  const again = await signIn(ctx, {}, { agent: new Agent() });
  assert.deepEqual(again.steps, ['password', 'question']);
  assert.deepEqual(again.claims.amr, AMR_FIRST);
  assert.ok(again.claims.auth_time > claims.auth_time);
});

test('amr/acr/auth_time: enrollment and passcode (TOTP from oathtool)', async () => {
  const ctx = await setup({ mfa: true });
  const t0 = now();
  const enrolled = await signIn(ctx);
  assert.deepEqual(enrolled.steps, ['password', 'setup', 'question', 'enroll', 'recovery-codes']);
  assert.equal(ctx.user.recoveryCodes.length, 10, 'ten recovery codes shown');
  assert.deepEqual(enrolled.claims.amr, AMR_MFA, 'the verified enrollment code is a passed second factor');
  assert.equal(enrolled.claims.acr, ACR_MFA);
  assert.ok(enrolled.claims.auth_time >= t0 - 1 && enrolled.claims.auth_time <= now());
  await sleep(1100);
  const passcode = await signIn(ctx, {}, { agent: new Agent() });
  assert.deepEqual(passcode.steps, ['password', 'question', 'otp']);
  assert.deepEqual(passcode.claims.amr, AMR_MFA);
  assert.equal(passcode.claims.acr, ACR_MFA);
  assert.ok(passcode.claims.auth_time > enrolled.claims.auth_time);
});

test('amr/acr/auth_time: single sign-on reuses the session and says so', async () => {
  const ctx = await setup({ mfa: true });
  const first = await signIn(ctx);
  await sleep(1100);
  const sso = await signIn(ctx);
  assert.deepEqual(sso.steps, [], 'no page');
  assert.equal(sso.claims.auth_time, first.claims.auth_time, 'auth_time is the original authentication');
  assert.deepEqual(sso.claims.amr, first.claims.amr);
  assert.equal(sso.claims.acr, first.claims.acr);
  // Another client of the same provider gets the same session.
  const other = { ...ctx, client: createClient() };
  other.config = await rp(other.client);
  const cross = await signIn(other);
  assert.deepEqual(cross.steps, []);
  assert.equal(cross.claims.auth_time, first.claims.auth_time);
  assert.deepEqual(cross.claims.amr, AMR_MFA);
  // A first-factor session is not promoted: a client requiring MFA asks
  // for the second factor, and the new tokens say so.
  const plain = await setup();
  const weak = await signIn(plain);
  assert.deepEqual(weak.claims.amr, AMR_FIRST);
  const strict = { ...plain, client: createClient({ requireMfa: true }) };
  strict.config = await rp(strict.client);
  const { error } = await authorizeError(strict, { prompt: 'none' });
  assert.equal(error, 'login_required', 'prompt=none with only a first-factor session');
  const stepUp = await signIn(strict);
  assert.ok(stepUp.steps.includes('enroll'), `a second factor is required: ${stepUp.steps.join(' → ')}`);
  assert.deepEqual(stepUp.claims.amr, AMR_MFA);
  assert.equal(stepUp.claims.acr, ACR_MFA);
});

test('amr/acr/auth_time: refresh keeps what the sign-in proved', async () => {
  for (const mfa of [false, true]) {
    const ctx = await setup({ mfa });
    const first = await signIn(ctx, { scope: 'openid offline_access' });
    await sleep(1100);
    const refreshed = await oidc.refreshTokenGrant(ctx.config, first.tokens.refresh_token);
    const c = refreshed.claims();
    assert.deepEqual(c.amr, mfa ? AMR_MFA : AMR_FIRST);
    assert.equal(c.acr, mfa ? ACR_MFA : ACR_PASSWORD);
    assert.equal(c.auth_time, first.claims.auth_time);
    assert.equal(c.sub, first.claims.sub);
  }
});
