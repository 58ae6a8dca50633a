// Helpers of the browser suite (browser.test.mjs): Debian's Chromium driven
// by playwright-core, a tiny relying party on 127.0.0.1, the admin CLI,
// passcodes from oathtool that are never replayed, QR decoding of the
// rendered image (pngjs + jsqr), axe-core, focus checks and screenshots.
//
//   missingTools() → string|null   why the suite must be skipped, or null
//   launchBrowser() → Browser      headless Chromium with the suite's flags
//   startRP({...}) → rp            a relying party: its client registered, a
//                                  callback server, authorize URLs, code exchange;
//                                  the options are createClient's (e.g. a
//                                  factor-only client: secondFactorOnly)
//   newUser({mfa}) → user          an account with its temporary password (fixtures.createUser)
//   adminResetOTP(name) → code     `user reset-otp`: the one-time enrollment code it prints
//   Journey                        one person's browser context: goto, expect a
//                                  step, screenshot it, run axe on it
//   Authenticator                  an authenticator app holding one secret
//   readEnrollPage(page) → {...}   the QR code decoded from the rendered image,
//                                  checked against #setup-key and data-otpauth
//   axeSummary()                   axe results of every page type and language

import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { accessSync, constants, mkdirSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import path from 'node:path';

import jsQR from 'jsqr';
import { PNG } from 'pngjs';
import { chromium } from 'playwright-core';

import { cli, createClient, createUser, issuer, mails, sleep, totp, totpStep, uniqueName } from './fixtures.mjs';

export { issuer };

const require = createRequire(import.meta.url);

export const CHROMIUM = '/usr/bin/chromium';
const OATHTOOL = '/usr/bin/oathtool';

export const artifacts = process.env.OTPGATE_ARTIFACTS || path.resolve('artifacts');

/** Creates the artifacts directory and removes the screenshots of an earlier run of these journeys. */
export function prepareArtifacts(journeys) {
  mkdirSync(artifacts, { recursive: true });
  const ours = new RegExp(`^(${journeys.join('|')})-\\d\\d-.*\\.png$`);
  for (const f of readdirSync(artifacts)) if (ours.test(f)) rmSync(path.join(artifacts, f));
}

/** Why the browser suite cannot run here, or null when it can. */
export function missingTools() {
  for (const [tool, why] of [[CHROMIUM, 'Debian package chromium'], [OATHTOOL, 'Debian package oathtool']]) {
    try {
      accessSync(tool, constants.X_OK);
    } catch {
      return `${tool} is missing (install the ${why}): skipping the browser journeys`;
    }
  }
  return null;
}

/** Headless Debian Chromium; every journey gets its own fresh context. */
export function launchBrowser() {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--no-first-run', '--disable-quic', '--disable-sync'],
  });
}

// ---------------------------------------------------------------------------
// Accounts

/** An account created by the administrator (two-factor required by default). */
export function newUser({ mfa = true } = {}) {
  return createUser({ mfa, username: uniqueName('br') });
}

/** `user reset-otp NAME`: returns the one-time enrollment code it prints. */
export function adminResetOTP(username) {
  const out = cli('user', 'reset-otp', username);
  const m = out.match(/enrollment code for \S+ \([^)]*\): (\S+)/);
  assert.ok(m, `reset-otp printed no enrollment code:\n${out}`);
  return m[1];
}

// ---------------------------------------------------------------------------
// Relying party

let discovery;
export async function metadata() {
  if (!discovery) {
    const res = await fetch(`${issuer}/.well-known/openid-configuration`);
    assert.equal(res.status, 200);
    discovery = await res.json();
  }
  return discovery;
}

const b64url = (buf) => Buffer.from(buf).toString('base64url');

/**
 * Starts a relying party on 127.0.0.1 and registers it as a confidential
 * client (with createClient's options, e.g. secondFactorOnly; its id,
 * name and URIs default to the RP's own). Reaching its callback with
 * ?code= is a finished sign-in.
 */
export async function startRP({ id = uniqueName('browser-rp'), name = 'Browser RP', ...clientOptions } = {}) {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://rp');
    const title = url.pathname === '/callback' ? 'Signed in' : 'Signed out';
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(`<!DOCTYPE html><html lang="en"><head><title>RP: ${title}</title></head>` +
      `<body><main><h1>Relying party: ${title}</h1></main></body></html>`);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${server.address().port}`;
  const client = createClient({ ...clientOptions, id, name,
    redirectUris: [`${origin}/callback`], postLogoutUris: [`${origin}/signed-out`] });
  const meta = await metadata();
  return {
    origin,
    client,
    /** A fresh authorization request (PKCE S256, state, nonce). */
    authorize({ uiLocales, prompt } = {}) {
      const verifier = b64url(randomBytes(32));
      const state = b64url(randomBytes(12));
      const nonce = b64url(randomBytes(12));
      const url = new URL(meta.authorization_endpoint);
      const q = url.searchParams;
      q.set('client_id', client.id);
      q.set('redirect_uri', client.redirectUri);
      q.set('response_type', 'code');
      q.set('scope', 'openid profile email');
      q.set('state', state);
      q.set('nonce', nonce);
      q.set('code_challenge', b64url(createHash('sha256').update(verifier).digest()));
      q.set('code_challenge_method', 'S256');
      if (uiLocales) q.set('ui_locales', uiLocales);
      if (prompt) q.set('prompt', prompt);
      return { url: url.href, state, nonce, verifier };
    },
    /**
     * Redeems the code the callback got and returns the ID token's claims
     * (decoded only: the openid-client suite verifies signatures).
     */
    async exchange(request, callbackURL) {
      const cb = new URL(callbackURL);
      assert.equal(cb.searchParams.get('state'), request.state, 'state comes back unchanged');
      const code = cb.searchParams.get('code');
      assert.ok(code, 'the callback carries a code');
      const res = await fetch(meta.token_endpoint, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          authorization: `Basic ${Buffer.from(`${encodeURIComponent(client.id)}:${encodeURIComponent(client.secret)}`).toString('base64')}`,
        },
        body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: client.redirectUri,
          code_verifier: request.verifier }),
      });
      const body = await res.json();
      assert.equal(res.status, 200, `token endpoint: ${JSON.stringify(body)}`);
      const claims = JSON.parse(Buffer.from(body.id_token.split('.')[1], 'base64url').toString('utf8'));
      assert.equal(claims.nonce, request.nonce);
      return claims;
    },
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

// ---------------------------------------------------------------------------
// Passcodes

/**
 * An authenticator app holding one secret. Codes come from oathtool. The
 * provider accepts a code only for a time step later than the last one it
 * accepted (and at most one step ahead), so next() returns the code of the
 * first step not yet used, waiting only when that step is still too far
 * in the future.
 */
export class Authenticator {
  constructor(secret) {
    this.secret = secret;
    this.lastStep = -1;
  }

  /** The code to verify an enrollment: the current step. */
  enrollCode() {
    const step = totpStep();
    this.lastStep = step;
    return totp(this.secret, new Date(step * 30_000 + 1_000));
  }

  /** A code the provider has not accepted yet. */
  async next() {
    let step = Math.max(totpStep(), this.lastStep + 1);
    while (step > totpStep() + 1) await sleep(500);
    this.lastStep = step;
    return totp(this.secret, new Date(step * 30_000 + 1_000));
  }

  /** Six digits that are no valid code anywhere near now (a typo). */
  wrong() {
    const now = totpStep();
    const near = new Set();
    for (let s = now - 3; s <= now + 3; s++) near.add(totp(this.secret, new Date(s * 30_000 + 1_000)));
    let code = totp(this.secret);
    while (near.has(code)) code = String((Number(code) + 111_111) % 1_000_000).padStart(6, '0');
    return code;
  }
}

// ---------------------------------------------------------------------------
// QR code

function decodePNG(buf) {
  const png = PNG.sync.read(buf);
  const qr = jsQR(new Uint8ClampedArray(png.data.buffer, png.data.byteOffset, png.data.length), png.width, png.height);
  return qr ? qr.data : null;
}

/**
 * Reads the enroll page as a person with a phone would: decodes the QR code
 * from the rendered image (a screenshot of #qr-code), and checks that it
 * carries the secret shown as #setup-key (and equals data-otpauth and the
 * PNG in the data: URL). Returns {uri, secret, setupKey}.
 */
export async function readEnrollPage(page, { account, issuerLabel = 'otpgate' } = {}) {
  const img = page.locator('#qr-code');
  const rendered = decodePNG(await img.screenshot());
  assert.ok(rendered, 'the rendered QR code decodes');
  const src = await img.getAttribute('src');
  assert.match(src, /^data:image\/png;base64,/);
  assert.equal(decodePNG(Buffer.from(src.slice(src.indexOf(',') + 1), 'base64')), rendered,
    'the data: URL PNG holds the same URI');
  assert.equal(await img.getAttribute('data-otpauth'), rendered, 'data-otpauth is the decoded URI');

  const uri = new URL(rendered);
  assert.equal(uri.protocol, 'otpauth:');
  assert.equal(uri.host, 'totp');
  const secret = uri.searchParams.get('secret');
  const setupKey = (await page.locator('#setup-key').innerText()).trim();
  assert.match(setupKey, /^[A-Z2-7]{4}( [A-Z2-7]{1,4})+$/, 'the setup key is shown in groups of four');
  assert.equal(setupKey.replace(/\s+/g, ''), secret, 'the QR code carries the setup key');
  assert.equal(uri.searchParams.get('issuer'), issuerLabel);
  if (account) assert.equal(decodeURIComponent(uri.pathname.slice(1)), `${issuerLabel}:${account}`);
  for (const [k, v] of [['algorithm', 'SHA1'], ['digits', '6'], ['period', '30']]) {
    const got = uri.searchParams.get(k);
    if (got !== null) assert.equal(got, v, `otpauth ${k}`);
  }
  return { uri: rendered, secret, setupKey };
}

// ---------------------------------------------------------------------------
// Mail

/** Waits for a mail to address whose text matches re; returns the match. */
export async function waitForMail(address, re, { after = 0, timeout = 10_000 } = {}) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const all = await mails();
    for (const m of all.slice(after)) {
      const hit = m.to.includes(address) && m.text.match(re);
      if (hit) return { mail: m, match: hit };
    }
    if (Date.now() > deadline) {
      assert.fail(`no mail to ${address} matching ${re} (mails to it: ${JSON.stringify(all.filter((m) => m.to.includes(address)).map((m) => m.subject))})`);
    }
    await sleep(200);
  }
}

export async function mailCount() {
  return (await mails()).length;
}

// ---------------------------------------------------------------------------
// Accessibility

const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const axeResults = new Map(); // "page|lang" → {runs, counts, rules}
const IMPACTS = ['minor', 'moderate', 'serious', 'critical'];

/**
 * Runs axe-core on the page as rendered, with the provider's strict CSP in
 * force: the source is evaluated through the DevTools protocol (which the
 * page's CSP does not govern) instead of a <script> tag, so that the page
 * is checked exactly as a person sees it. Every rule of axe's default set
 * runs (WCAG 2.x A/AA and best practices); none is disabled. Asserts no
 * serious or critical violation and records the counts by impact.
 */
export async function runAxe(page, step, key, lang) {
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) await page.evaluate(axeSource);
  const result = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
  const entry = axeResults.get(`${key}|${lang}`) ?? { step, runs: 0, counts: Object.fromEntries(IMPACTS.map((i) => [i, 0])), rules: new Set() };
  entry.runs += 1;
  for (const v of result.violations) {
    entry.counts[v.impact] += v.nodes.length;
    entry.rules.add(`${v.id} (${v.impact})`);
  }
  axeResults.set(`${key}|${lang}`, entry);
  const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  assert.deepEqual(bad.map((v) => ({ rule: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map((n) => `${n.target.join(' ')}: ${n.failureSummary}`) })), [],
  `axe: serious or critical violations on ${key} (${lang})`);
}

/** Every visible form control has an accessible label from a <label>. */
export async function assertLabelled(page) {
  const unlabelled = await page.evaluate(() => [...document.querySelectorAll('input, select, textarea')]
    .filter((el) => el.type !== 'hidden' && !(el.labels && el.labels.length > 0 && el.labels[0].textContent.trim()))
    .map((el) => el.outerHTML));
  assert.deepEqual(unlabelled, [], 'every input has a label');
}

export function axeSummary() {
  const rows = [...axeResults.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => {
    const [pageKey, lang] = k.split('|');
    return { step: v.step, page: pageKey, lang, runs: v.runs, ...v.counts, rules: [...v.rules].join(', ') };
  });
  return rows;
}

// ---------------------------------------------------------------------------
// Focus

/** What has the keyboard focus, and how it is drawn. */
export function focused(page) {
  return page.evaluate(() => {
    const el = document.activeElement;
    const cs = getComputedStyle(el);
    return {
      tag: el.tagName.toLowerCase(), id: el.id, name: el.getAttribute('name'), type: el.getAttribute('type'),
      text: (el.innerText || '').trim(), outline: `${cs.outlineStyle} ${cs.outlineWidth}`,
      visible: (cs.outlineStyle !== 'none' && parseFloat(cs.outlineWidth) > 0) || cs.boxShadow !== 'none',
    };
  });
}

// ---------------------------------------------------------------------------
// Journey: one person in one fresh browser context

/**
 * A journey in its own browser context (fresh cookies and storage). lang
 * is what the pages must be in; locale is the browser's Accept-Language.
 */
export class Journey {
  /**
   * locale: the browser's language (Accept-Language), default the page
   * language; colorScheme 'dark' checks the dark theme (labels get -dark);
   * width: the viewport's width in CSS pixels (320: a small phone, where
   * WCAG 1.4.10 wants no horizontal scrolling); after: a journey whose
   * screenshots continue the numbering of another.
   */
  constructor(browser, name, lang, { locale, colorScheme = 'light', width = 800, after } = {}) {
    this.browser = browser;
    this.name = name;
    this.lang = lang;
    this.locale = locale ?? (lang === 'ja' ? 'ja-JP' : 'en-US');
    this.colorScheme = colorScheme;
    this.width = width;
    this.n = after ? after.n : 0;
    this.quiet = false;
    this.lastShot = '';
  }

  async open() {
    this.context = await this.browser.newContext({ viewport: { width: this.width, height: 720 }, locale: this.locale,
      colorScheme: this.colorScheme, reducedMotion: 'reduce' });
    this.page = await this.context.newPage();
    this.page.setDefaultTimeout(15_000);
    return this.page;
  }

  async close() {
    await this.context?.close();
  }

  /** A journey without screenshots or axe: the setup of another journey. */
  silent() {
    this.quiet = true;
    return this;
  }

  /**
   * Asserts the page is step (body data-step) in this journey's language,
   * saves a full-page screenshot as <journey>-<nn>-<label>-<lang>.png
   * (not again for the same page and label) and runs axe on it (once per
   * label and language).
   */
  async at(step, label = step, { lang = this.lang } = {}) {
    if (this.colorScheme === 'dark') label = `${label}-dark`;
    if (this.width < 400) label = `${label}-narrow`;
    const page = this.page;
    await page.waitForLoadState('load');
    const got = await page.getAttribute('body', 'data-step');
    if (got !== step) {
      const alert = await page.locator('[role="alert"]').allInnerTexts().catch(() => []);
      assert.fail(`${this.name}: expected step ${step}, got ${got} at ${page.url()} ${alert.join(' | ')}`);
    }
    assert.equal(await page.getAttribute('html', 'lang'), lang, `${step} page is in ${lang}`);
    if (this.quiet) return;
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.ok(overflow <= 0, `${label} (${lang}) scrolls sideways by ${overflow}px at ${this.width}px`);
    await assertLabelled(page);
    const shot = `${page.url()} ${label} ${lang}`;
    if (shot !== this.lastShot) {
      this.lastShot = shot;
      this.n += 1;
      const file = `${this.name}-${String(this.n).padStart(2, '0')}-${label}-${lang}.png`;
      await page.screenshot({ path: path.join(artifacts, file), fullPage: true });
    }
    if (!axeResults.has(`${label}|${lang}`)) await runAxe(page, step, label, lang);
  }

  /** The text of the page's role="alert" element (exactly one). */
  async alert() {
    const alerts = this.page.locator('[role="alert"]');
    assert.equal(await alerts.count(), 1, 'one role="alert" element');
    return (await alerts.innerText()).trim();
  }

  /** Submits the page's form (first submit button, or the one named). */
  async submit(name) {
    const button = name ? this.page.getByRole('button', { name, exact: true }) : this.page.locator('form button[type="submit"]').first();
    await Promise.all([this.page.waitForNavigation(), button.click()]);
  }
}

/** The ID token claims every sign-in with a passcode must carry. */
export function assertMFA(claims) {
  assert.deepEqual(claims.amr, ['pwd', 'kba', 'otp', 'mfa']);
  assert.equal(claims.acr, 'http://schemas.openid.net/pape/policies/2007/06/multi-factor');
}

/**
 * The ID token claims of a factor-only sign-in: the passcode alone, and
 * the account it proved (which the relying party must compare with the
 * user it asked about).
 */
export function assertSecondFactor(claims, username) {
  assert.deepEqual(claims.amr, ['otp']);
  assert.equal(claims.acr, 'urn:otpgate:acr:second-factor');
  assert.equal(claims.preferred_username, username);
}
