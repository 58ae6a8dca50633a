// Browser journeys: Debian's Chromium (headless, through playwright-core)
// walks every journey a person meets at otpgate, in English and Japanese,
// with passcodes from oathtool, the QR code read from the rendered image,
// axe-core on every page type in both languages, and one journey done with
// the keyboard alone. Every step's page is saved as a screenshot in
// OTPGATE_ARTIFACTS: <journey>-<nn>-<step>-<lang>.png.

import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';

import {
  Authenticator, Journey, adminResetOTP, artifacts, assertMFA, assertSecondFactor, axeSummary, focused, issuer,
  launchBrowser, mailCount, metadata, missingTools, newUser, prepareArtifacts, readEnrollPage, startRP, waitForMail,
} from './lib/browser.mjs';
import { cli, uniqueName } from './lib/fixtures.mjs';

const skip = missingTools();
if (skip) console.log(`# ${skip}`);

let browser;
let rp;
let factorRP; // a factor-only client's relying party: it did the first factor itself

// The journeys' names: the first part of their screenshots' file names.
const JOURNEYS = ['first-signin', 'passcode', 'lockout', 'recovery', 'email-link', 'admin-reset', 'lang-switch',
  'keyboard', 'other-pages', 'error-lang', 'phone-enrol', 'ways-forward', 'link-code', 'factor-only', 'console', 'account',
  'remember'];

before(async () => {
  if (skip) return;
  prepareArtifacts(JOURNEYS);
  browser = await launchBrowser();
  rp = await startRP();
  // The CLI wants a factor-only client to name users somehow (request
  // objects, or trusted login_hints as here); journey 13's requests carry
  // neither, so otpgate asks the person for the username.
  factorRP = await startRP({ id: uniqueName('factor-rp'), name: 'Factor RP', secondFactorOnly: true, trustLoginHint: true });
});

after(async () => {
  await browser?.close();
  await rp?.close();
  await factorRP?.close();
});

const LANGS = ['en', 'ja'];

// The texts a person must see, in both languages (independent of the
// provider's catalogue, on purpose: a changed text should be noticed).
const TEXT = {
  signInFailed: { en: 'The sign-in details are not correct.', ja: 'サインイン情報が正しくありません。' },
  passwordMismatch: { en: 'The two new passwords do not match.', ja: '新しいパスワードが一致しません。' },
  codeInvalid: { en: "That code didn't work.", ja: 'コードが正しくありません。' },
  locked: { en: 'Your account is locked because of too many failed passcode entries.', ja: 'アカウントがロックされています' },
  recoveryInvalid: { en: 'That recovery code is not valid or was already used.', ja: 'このリカバリーコードは正しくないか' },
  proofInvalid: { en: 'That enrollment code is not valid or has expired.', ja: 'この登録コードは正しくないか' },
  emailSent: { en: 'We sent a link to the email address of your account.', ja: 'アカウントに登録されているメールアドレスにリンクをお送りしました。' },
  unknownRequest: { en: 'This sign-in request is unknown or has already finished.', ja: 'このサインイン要求は見つからないか' },
  invalidRedirect: { en: "The application's sign-in request is not valid", ja: 'アプリケーションからのサインイン要求が正しくないため' },
  switchTo: { en: '日本語', ja: 'English' }, // the language link on a page in en / ja
  resetSection: { en: 'Reset your OTP device', ja: 'OTP デバイスのリセット' },
  resetDevice: { en: 'Reset Device', ja: 'デバイスをリセット' },
  openApp: { en: 'Open in authenticator app', ja: '認証アプリで開く' },
  cancel: { en: 'Cancel', ja: 'キャンセル' },
  stillSignedIn: { en: 'You are still signed in.', ja: 'サインインしたままです。' },
  startAgain: { en: 'Start again', ja: '最初からやり直す' },
  notFound: { en: 'This page does not exist.', ja: '指定されたページは存在しません。' },
  usernameTitle: { en: "Verify it's you", ja: '本人確認' },
  usernameIntro: { en: 'Enter your username. Next you will be asked for the passcode from your authenticator app.',
    ja: 'ユーザー名を入力してください。次の画面で、認証アプリに表示されるワンタイムパスワードを入力していただきます。' },
  askAdmin: { en: 'If you cannot use your authenticator app, contact your administrator.',
    ja: '認証アプリを利用できない場合は、管理者にお問い合わせください。' },
};

/**
 * A test that is skipped with the reason when Chromium or oathtool is
 * missing. timeout: a journey that types several passcodes of one account
 * waits for a fresh 30-second step before each (Authenticator.next).
 */
function journey(name, fn, { timeout = 120_000 } = {}) {
  test(name, { skip: skip ?? false, timeout }, fn);
}

/** The person's answer to the security question they set up. */
const ANSWERS = { en: 'Fluffy the Cat', ja: 'ポチタマ' };

// ---------------------------------------------------------------------------
// Steps shared by the journeys

/** Starts a sign-in at the relying party (ui_locales=ja for a Japanese journey unless told). */
async function start(j, { uiLocales = j.lang === 'ja' ? 'ja' : undefined, party = rp } = {}) {
  const request = party.authorize({ uiLocales });
  await j.page.goto(request.url);
  return request;
}

async function passwordStep(j, username, password, label = 'password') {
  await j.at('password', label);
  await j.page.fill('#username', username);
  await j.page.fill('#password', password);
  await j.submit();
}

async function questionStep(j, answer) {
  await j.at('question');
  await j.page.fill('#answer', answer);
  await j.submit();
}

/** The setup step of a first sign-in: new password twice, question, answer twice. */
async function setupStep(j, user, { mismatchFirst = false } = {}) {
  const page = j.page;
  user.newPassword = `New-${user.password}-pw`;
  user.answer = ANSWERS[j.lang];
  await j.at('setup');
  if (mismatchFirst) {
    await page.fill('#new_password', user.newPassword);
    await page.fill('#new_password_confirm', `${user.newPassword}x`);
    await page.selectOption('#question', 'first_pet');
    await page.fill('#answer', user.answer);
    await page.fill('#answer_confirm', user.answer);
    await j.submit();
    await j.at('setup', 'setup-error');
    assert.match(await j.alert(), new RegExp(TEXT.passwordMismatch[j.lang]));
  }
  await page.fill('#new_password', user.newPassword);
  await page.fill('#new_password_confirm', user.newPassword);
  await page.selectOption('#question', 'first_pet');
  await page.fill('#answer', user.answer);
  await page.fill('#answer_confirm', user.answer);
  await j.submit();
}

/**
 * The enroll page: choose an app, read the QR code from the rendered image,
 * type oathtool's code, Verify device. Returns the new Authenticator.
 */
async function enrollStep(j, user, { app = 'google-authenticator', label = 'enroll' } = {}) {
  await j.at('enroll', label);
  const { secret } = await readEnrollPage(j.page, { account: user.username });
  const options = await j.page.locator('#app option').evaluateAll((os) => os.map((o) => o.value).filter(Boolean));
  assert.deepEqual(options, ['google-authenticator', 'microsoft-authenticator', 'authy', 'duo-mobile', 'other']);
  await j.page.selectOption('#app', app);
  const auth = new Authenticator(secret);
  await j.page.fill('#code', auth.enrollCode());
  await j.submit();
  return auth;
}

/** The recovery-codes page: keep the ten codes, Submit. */
async function recoveryCodesStep(j) {
  await j.at('recovery-codes');
  const codes = (await j.page.locator('#recovery-codes li').allInnerTexts()).map((c) => c.trim());
  assert.equal(codes.length, 10, 'ten recovery codes');
  assert.equal(new Set(codes).size, 10);
  // Submit waits for "I have saved these codes".
  await j.page.check('#saved');
  await j.submit();
  return codes;
}

/** Types the next passcode on the passcode page (already checked by the caller). */
async function enterPasscode(j, auth) {
  await j.page.fill('#code', await auth.next());
  await j.submit();
}

/**
 * The relying party got a code; redeem it and return the ID token's claims,
 * checked as a full sign-in's (assertMFA) unless party is a factor-only
 * client's (whose claims the caller checks).
 */
async function arrived(j, request, { party = rp } = {}) {
  const url = j.page.url();
  assert.ok(url.startsWith(`${party.client.redirectUri}?`), `${j.name}: expected the RP callback, got ${url}`);
  assert.equal(await j.page.locator('h1').innerText(), 'Relying party: Signed in');
  const claims = await party.exchange(request, url);
  if (!party.client.secondFactorOnly) assertMFA(claims);
  return claims;
}

/** The whole first sign-in of a new account, done quietly: the setup of a journey. */
async function enrolledUser(lang = 'en') {
  const user = newUser({ mfa: true });
  const j = new Journey(browser, 'setup', lang).silent();
  await j.open();
  try {
    const request = await start(j);
    await passwordStep(j, user.username, user.password);
    await setupStep(j, user);
    await questionStep(j, user.answer);
    user.auth = await enrollStep(j, user);
    user.codes = await recoveryCodesStep(j);
    await arrived(j, request);
  } finally {
    await j.close();
  }
  return user;
}

/**
 * The enrollment-proof page after an administrator's reset: the code,
 * then right after it, before enrolling, a new password and a new answer
 * (whoever caused the reset may know the old ones), then a new device and
 * new recovery codes.
 */
async function reenrolWithProof(j, user, proof, { app = 'authy' } = {}) {
  await j.at('enroll-proof');
  await j.page.fill('#proof', proof);
  await j.submit();
  await j.at('setup', 'setup-after-reset');
  user.newPassword = `Reset-${user.newPassword}`;
  user.answer = `${ANSWERS[j.lang]} 2`;
  await j.page.fill('#new_password', user.newPassword);
  await j.page.fill('#new_password_confirm', user.newPassword);
  await j.page.selectOption('#question', 'first_pet');
  await j.page.fill('#answer', user.answer);
  await j.page.fill('#answer_confirm', user.answer);
  await j.submit();
  const old = user.auth.secret;
  user.auth = await enrollStep(j, user, { app, label: 'enroll-new' });
  assert.notEqual(user.auth.secret, old, 'the new QR code carries a new secret');
  user.codes = await recoveryCodesStep(j);
}

/** Password and answer of an enrolled account in a fresh browser: up to the passcode page. */
async function toPasscode(j, user) {
  const request = await start(j);
  await passwordStep(j, user.username, user.newPassword);
  await questionStep(j, user.answer);
  await j.at('otp');
  return request;
}

// ---------------------------------------------------------------------------
// Journeys

for (const lang of LANGS) {
  journey(`1 first sign-in: password change, question, enrollment by QR code, recovery codes [${lang}]`, async () => {
    const user = newUser({ mfa: true });
    const j = new Journey(browser, 'first-signin', lang, { locale: 'en-US' });
    await j.open();
    try {
      // The Japanese journey starts in English and uses the switch on the first page.
      const request = await start(j, { uiLocales: null });
      if (lang === 'ja') {
        await j.at('password', 'password-before-switch', { lang: 'en' });
        await switchLanguage(j, 'password', 'en');
      }
      await passwordStep(j, user.username, user.password);
      await setupStep(j, user, { mismatchFirst: true });
      await questionStep(j, user.answer);
      const auth = await enrollStep(j, user, { app: lang === 'ja' ? 'other' : 'google-authenticator' });
      await recoveryCodesStep(j);
      // No passcode page: the verified enrollment code was this sign-in's second factor.
      const claims = await arrived(j, request);
      assert.ok(Math.abs(claims.auth_time - Date.now() / 1000) < 120, 'auth_time is this sign-in');
      assert.ok(auth.lastStep > 0);
      // Back to the recovery codes page: it is not served again from the cache.
      await j.page.goBack();
      assert.equal(await j.page.locator('#recovery-codes li').count(), 0, 'the codes are shown once');
    } finally {
      await j.close();
    }
  });

  journey(`2 later sign-in with a passcode: a typo, then the right code [${lang}]`, async () => {
    const user = await enrolledUser(lang);
    const j = new Journey(browser, 'passcode', lang, { locale: 'en-US' });
    await j.open();
    try {
      const request = await toPasscode(j, user);
      assert.equal(await j.page.locator('[role="alert"]').count(), 0, 'no alert before a mistake');
      assert.equal(await j.page.locator('#remember_browser').count(), 0, 'a client that does not allow it offers no "remember this browser"');
      await j.page.fill('#code', user.auth.wrong());
      await j.submit();
      await j.at('otp', 'otp-error');
      assert.match(await j.alert(), new RegExp(TEXT.codeInvalid[lang]));
      assert.equal(await j.page.locator('#code').inputValue(), '', 'the wrong code is not kept');
      // The field in error is marked and points at the message; the title says so.
      assert.equal(await j.page.locator('#code').getAttribute('aria-invalid'), 'true');
      assert.equal(await j.page.locator('#code').getAttribute('aria-describedby'), 'error');
      assert.equal(await j.page.locator('#error').getAttribute('role'), 'alert');
      assert.ok((await j.page.title()).startsWith(lang === 'ja' ? 'エラー：' : 'Error: '), await j.page.title());
      await enterPasscode(j, user.auth);
      await arrived(j, request);
    } finally {
      await j.close();
    }
  });

  journey(`3 lockout after 5 wrong passcodes; the right password and answer then end on the locked page [${lang}]`, async () => {
    const user = await enrolledUser(lang);
    const j = new Journey(browser, 'lockout', lang, { locale: 'en-US' });
    await j.open();
    const mailsBefore = await mailCount();
    try {
      await toPasscode(j, user);
      for (let i = 1; i <= 4; i++) {
        await j.page.fill('#code', user.auth.wrong());
        await j.submit();
        await j.at('otp', 'otp-error');
        assert.match(await j.alert(), new RegExp(TEXT.codeInvalid[lang]));
      }
      await j.page.fill('#code', user.auth.wrong());
      await j.submit();
      await j.at('locked');
      assert.match(await j.alert(), new RegExp(TEXT.locked[lang]));
      assert.equal(await j.page.locator('form').count(), 0, 'the locked page offers no form');
      await waitForMail(user.email, /lock|ロック/i, { after: mailsBefore });
    } finally {
      await j.close();
    }

    // A new sign-in: a wrong password does not reveal the lock; the right
    // password and answer end on the locked page, never at the passcode.
    const k = new Journey(browser, 'lockout', lang, { locale: 'en-US', after: j });
    await k.open();
    try {
      await start(k);
      await passwordStep(k, user.username, `${user.newPassword}-wrong`);
      await k.at('password', 'password-error');
      assert.match(await k.alert(), new RegExp(TEXT.signInFailed[lang]));
      await k.page.fill('#password', user.newPassword);
      await k.submit();
      await questionStep(k, user.answer);
      await k.at('locked', 'locked-again');
      assert.match(await k.alert(), new RegExp(TEXT.locked[lang]));
      // Even a correct passcode cannot be submitted: the passcode page is not served.
      await k.page.goto(k.page.url().replace('/login/locked', '/login/otp'));
      await k.at('locked', 'locked-again');
    } finally {
      await k.close();
    }
  });

  journey(`4 lost device: recovery code, re-enrol with a new QR code, sign in [${lang}]`, async () => {
    const user = await enrolledUser(lang);
    const old = user.auth;
    // The Japanese run is on a small phone's width: the QR code must still scan.
    const j = new Journey(browser, 'recovery', lang, { locale: 'en-US', width: lang === 'ja' ? 320 : 800 });
    await j.open();
    try {
      const request = await toPasscode(j, user);
      // The customer's document: under "Reset your OTP device", select "Reset Device".
      assert.equal(await j.page.locator('#reset_device').innerText(), TEXT.resetSection[lang]);
      await Promise.all([j.page.waitForNavigation(),
        j.page.locator('section[aria-labelledby="reset_device"]').getByRole('link', { name: TEXT.resetDevice[lang], exact: true }).click()]);
      await j.at('reset');
      assert.equal(await j.page.locator('#reset_admin').count(), 1, 'asking the administrator is one of the ways');
      await j.page.fill('#recovery_code', 'abcd-efgh-jkmn');
      await Promise.all([j.page.waitForNavigation(), j.page.locator('form[action="/login/reset"] button').click()]);
      await j.at('reset', 'reset-error');
      assert.match(await j.alert(), new RegExp(TEXT.recoveryInvalid[lang]));
      await j.page.fill('#recovery_code', user.codes[3]);
      await Promise.all([j.page.waitForNavigation(), j.page.locator('form[action="/login/reset"] button').click()]);
      user.auth = await enrollStep(j, user, { app: 'authy', label: 'enroll-new' });
      assert.notEqual(user.auth.secret, old.secret, 'the new QR code carries a new secret');
      const codes = await recoveryCodesStep(j);
      assert.equal(codes.filter((c) => user.codes.includes(c)).length, 0, 'new recovery codes');
      await arrived(j, request);
    } finally {
      await j.close();
    }

    // The next sign-in: the old device's code fails, the new one works.
    const k = new Journey(browser, 'recovery', lang, { locale: 'en-US', after: j });
    await k.open();
    try {
      const request = await toPasscode(k, user);
      await k.page.fill('#code', await old.next());
      await k.submit();
      await k.at('otp', 'otp-error');
      await enterPasscode(k, user.auth);
      await arrived(k, request);
    } finally {
      await k.close();
    }
  });

  journey(`5 lost device: emailed link opened in the same browser, re-enrol [${lang}]`, async () => {
    const user = await enrolledUser(lang);
    const j = new Journey(browser, 'email-link', lang, { locale: 'en-US' });
    await j.open();
    try {
      const request = await toPasscode(j, user);
      await Promise.all([j.page.waitForNavigation(), j.page.locator('a#lost-device').click()]);
      await j.at('reset');
      const before = await mailCount();
      await Promise.all([j.page.waitForNavigation(), j.page.locator('form[action="/login/reset/email"] button').click()]);
      await j.at('reset', 'reset-sent');
      assert.match(await j.page.locator('[role="status"]').innerText(), new RegExp(TEXT.emailSent[lang]));
      const { match } = await waitForMail(user.email, /https?:\/\/\S+\/login\/reset\/link\?token=[\w-]+/, { after: before });
      const link = new URL(match[0]);
      assert.equal(link.origin, issuer, 'the mailed link points at the issuer');
      await j.page.goto(link.href);
      const old = user.auth.secret;
      user.auth = await enrollStep(j, user, { app: 'microsoft-authenticator', label: 'enroll-new' });
      assert.notEqual(user.auth.secret, old);
      await recoveryCodesStep(j);
      await arrived(j, request);
      // The link works once. (Its sign-in is over, so the page speaks the
      // browser's language, not the finished sign-in's ui_locales.)
      await j.page.goto(link.href);
      await j.at('error', 'error-link', { lang: 'en' });
    } finally {
      await j.close();
    }
  });

  journey(`5b lost device: emailed link opened on a phone shows a code to type in the sign-in's browser [${lang}]`, async () => {
    const user = await enrolledUser(lang);
    const j = new Journey(browser, 'link-code', lang);
    await j.open();
    const phone = new Journey(browser, 'link-code', lang, { width: 375, after: j });
    try {
      const request = await toPasscode(j, user);
      await Promise.all([j.page.waitForNavigation(), j.page.locator('a#lost-device').click()]);
      await j.at('reset');
      const before = await mailCount();
      await Promise.all([j.page.waitForNavigation(), j.page.locator('form[action="/login/reset/email"] button').click()]);
      await j.at('reset', 'reset-sent');
      assert.equal(await j.page.locator('#link_code').count(), 1, 'the page offers to type a code from the link');
      const { match } = await waitForMail(user.email, /https?:\/\/\S+\/login\/reset\/link\?token=[\w-]+/, { after: before });
      // On the phone: no sign-in there, but a code instead of a dead end.
      await phone.open();
      await phone.page.goto(match[0]);
      await phone.at('link-code');
      const code = (await phone.page.locator('#link-code').innerText()).trim();
      assert.match(code, /^\d{3} \d{3}$/);
      j.n = phone.n;
      // Back in the waiting browser: a wrong code, then the right one.
      const wrong = code.replace(/^\d/, (d) => String((Number(d) + 1) % 10));
      await j.page.fill('#link_code', wrong);
      await Promise.all([j.page.waitForNavigation(), j.page.locator('form[action="/login/reset/code"] button').click()]);
      await j.at('reset', 'reset-code-error');
      assert.equal(await j.page.locator('#link_code').getAttribute('aria-invalid'), 'true');
      await j.page.fill('#link_code', code);
      await Promise.all([j.page.waitForNavigation(), j.page.locator('form[action="/login/reset/code"] button').click()]);
      user.auth = await enrollStep(j, user, { app: 'authy', label: 'enroll-new' });
      await recoveryCodesStep(j);
      await arrived(j, request);
    } finally {
      await phone.close();
      await j.close();
    }
  });

  journey(`6 admin reset: enrollment code from the CLI, re-enrol, sign in [${lang}]`, async () => {
    const user = await enrolledUser(lang);
    const proof = adminResetOTP(user.username);
    const j = new Journey(browser, 'admin-reset', lang, { locale: 'en-US' });
    await j.open();
    try {
      const request = await start(j);
      await passwordStep(j, user.username, user.newPassword);
      await questionStep(j, user.answer);
      await j.at('enroll-proof');
      await j.page.fill('#proof', 'wxyz-wxyz-wxyz');
      await j.submit();
      await j.at('enroll-proof', 'enroll-proof-error');
      assert.match(await j.alert(), new RegExp(TEXT.proofInvalid[lang]));
      await reenrolWithProof(j, user, proof, { app: 'duo-mobile' });
      await arrived(j, request);
    } finally {
      await j.close();
    }
    const k = new Journey(browser, 'admin-reset', lang, { locale: 'en-US', after: j });
    await k.open();
    try {
      const request = await toPasscode(k, user);
      await enterPasscode(k, user.auth);
      await arrived(k, request);
    } finally {
      await k.close();
    }
  });
}

// ---------------------------------------------------------------------------
// Language switch

/**
 * Follows the page's language link: it names the other language in that
 * language, keeps the sign-in (authRequestID) and shows the same step.
 */
async function switchLanguage(j, step, from) {
  const to = from === 'en' ? 'ja' : 'en';
  const link = j.page.getByRole('link', { name: TEXT.switchTo[from], exact: true });
  assert.equal(await link.getAttribute('hreflang'), to);
  assert.equal(await link.getAttribute('lang'), to);
  const href = new URL(await link.getAttribute('href'), issuer);
  assert.equal(href.searchParams.get('lang'), to);
  const flow = await j.page.locator('input[name="authRequestID"]').first().getAttribute('value').catch(() => null);
  if (flow) assert.equal(href.searchParams.get('authRequestID'), flow, 'the switch keeps the sign-in');
  await Promise.all([j.page.waitForNavigation(), link.click()]);
  await j.at(step, step, { lang: to });
}

journey('7 language switch on every page of a first sign-in, and a later sign-in in Japanese [ja]', async () => {
  const user = newUser({ mfa: true });
  const j = new Journey(browser, 'lang-switch', 'ja', { locale: 'en-US' });
  await j.open();
  try {
    const request = await start(j, { uiLocales: null });
    await j.at('password', 'password', { lang: 'en' });
    await switchLanguage(j, 'password', 'en');
    await passwordStep(j, user.username, user.password);
    // From here on the choice is remembered; each page switches both ways.
    for (const step of ['setup']) {
      await j.at(step);
      await switchLanguage(j, step, 'ja');
      await switchLanguage(j, step, 'en');
    }
    await setupStep(j, user);
    await j.at('question');
    await switchLanguage(j, 'question', 'ja');
    await switchLanguage(j, 'question', 'en');
    await j.page.fill('#answer', 'タマ'); // a wrong answer first
    await j.submit();
    await j.at('question', 'question-error');
    assert.match(await j.alert(), new RegExp(TEXT.signInFailed.ja));
    assert.equal(user.answer, 'ポチタマ');
    await j.page.fill('#answer', 'ﾎﾟﾁﾀﾏ'); // half-width katakana: the same answer after NFKC
    await j.submit();
    await j.at('enroll');
    const before = await readEnrollPage(j.page, { account: user.username });
    await switchLanguage(j, 'enroll', 'ja');
    assert.equal((await readEnrollPage(j.page, { account: user.username })).secret, before.secret,
      'switching the language keeps the pending secret');
    await switchLanguage(j, 'enroll', 'en');
    user.auth = await enrollStep(j, user, { app: 'other' });
    await j.at('recovery-codes');
    const codes = await j.page.locator('#recovery-codes li').allInnerTexts();
    await switchLanguage(j, 'recovery-codes', 'ja');
    assert.deepEqual(await j.page.locator('#recovery-codes li').allInnerTexts(), codes,
      'the recovery codes survive a language switch');
    await switchLanguage(j, 'recovery-codes', 'en');
    await recoveryCodesStep(j);
    await arrived(j, request);
  } finally {
    await j.close();
  }

  // A later sign-in in a Japanese browser (Accept-Language), no ui_locales;
  // the switch on a page rendered after a failed POST keeps the sign-in.
  const k = new Journey(browser, 'lang-switch', 'ja', { locale: 'ja-JP', after: j });
  await k.open();
  try {
    const request = await start(k, { uiLocales: null });
    await passwordStep(k, user.username, user.newPassword);
    await questionStep(k, user.answer);
    await k.at('otp');
    await k.page.fill('#code', user.auth.wrong());
    await k.submit();
    await k.at('otp', 'otp-error');
    await switchLanguage(k, 'otp', 'ja');
    assert.equal(await k.page.locator('[role="alert"]').count(), 0);
    await switchLanguage(k, 'otp', 'en');
    await enterPasscode(k, user.auth);
    await arrived(k, request);
  } finally {
    await k.close();
  }
});

// ---------------------------------------------------------------------------
// Keyboard only

/**
 * Presses Tab (or Shift+Tab) until the focus is on selector; every element
 * the focus passes must show it (an outline or a box-shadow).
 */
async function tabTo(j, selector, { back = false, max = 15 } = {}) {
  for (let i = 0; i < max; i++) {
    await j.page.keyboard.press(back ? 'Shift+Tab' : 'Tab');
    const f = await focused(j.page);
    assert.ok(f.visible, `focus is visible on ${f.tag}#${f.id} "${f.text}" (outline ${f.outline})`);
    if (await j.page.evaluate((s) => document.activeElement.matches(s), selector)) return f;
  }
  assert.fail(`${selector} not reached with ${back ? 'Shift+Tab' : 'Tab'}`);
}

/** The autofocused field has the focus, visibly. */
async function assertFocus(j, selector) {
  const f = await focused(j.page);
  assert.ok(await j.page.evaluate((s) => document.activeElement.matches(s), selector), `focus on ${selector}, not ${f.tag}#${f.id}`);
  assert.ok(f.visible, `focus is visible on ${selector} (outline ${f.outline})`);
}

async function press(j, key) {
  await Promise.all([j.page.waitForNavigation(), j.page.keyboard.press(key)]);
}

journey('8 keyboard only, dark theme: a first sign-in with enrollment and a later sign-in, no mouse [en]', async () => {
  const user = newUser({ mfa: true });
  const j = new Journey(browser, 'keyboard', 'en', { colorScheme: 'dark' });
  await j.open();
  const kb = j.page.keyboard;
  try {
    const request = await start(j);
    await j.at('password');
    await assertFocus(j, '#username');
    await tabTo(j, 'a[hreflang="ja"]', { back: true }); // the language link comes first
    await tabTo(j, '#username');
    await kb.type(user.username);
    await tabTo(j, '#password');
    await kb.type(user.password);
    await tabTo(j, 'button[type="submit"]');
    await j.at('password', 'password-focus');
    await press(j, 'Enter');

    user.newPassword = `New-${user.password}-pw`;
    user.answer = ANSWERS.en;
    await j.at('setup');
    await assertFocus(j, '#new_password');
    await kb.type(user.newPassword);
    await tabTo(j, '#new_password_confirm');
    await kb.type(user.newPassword);
    await tabTo(j, '#question');
    await kb.press('ArrowDown');
    assert.equal(await j.page.locator('#question').inputValue(), 'first_pet', 'ArrowDown chooses a question');
    await tabTo(j, '#answer');
    await kb.type(user.answer);
    await tabTo(j, '#answer_confirm');
    await kb.type(user.answer);
    await tabTo(j, 'button[type="submit"]');
    await press(j, 'Space');

    await j.at('question');
    await assertFocus(j, '#answer');
    await kb.type(user.answer);
    await press(j, 'Enter');

    await j.at('enroll');
    await assertFocus(j, '#app');
    await kb.press('ArrowDown');
    assert.equal(await j.page.locator('#app').inputValue(), 'google-authenticator');
    const { secret } = await readEnrollPage(j.page, { account: user.username });
    user.auth = new Authenticator(secret);
    await tabTo(j, '#code'); // through the download links
    await kb.type(user.auth.enrollCode());
    await tabTo(j, 'button[type="submit"]');
    await j.at('enroll', 'enroll-focus');
    await press(j, 'Enter');

    await j.at('recovery-codes');
    await tabTo(j, '#saved'); // past Download, Copy and Print
    await kb.press('Space');
    await tabTo(j, 'button[type="submit"]');
    await press(j, 'Space');
    await arrived(j, request);
  } finally {
    await j.close();
  }

  const k = new Journey(browser, 'keyboard', 'en', { colorScheme: 'dark', after: j });
  await k.open();
  try {
    const request = await start(k);
    await k.at('password');
    await assertFocus(k, '#username');
    await k.page.keyboard.type(user.username);
    await tabTo(k, '#password');
    await k.page.keyboard.type(user.newPassword);
    await press(k, 'Enter');
    await k.at('question');
    await assertFocus(k, '#answer');
    await k.page.keyboard.type(user.answer);
    await press(k, 'Enter');
    await k.at('otp');
    await assertFocus(k, '#code');
    await tabTo(k, 'a#lost-device'); // reachable and visibly focused
    await tabTo(k, '#code', { back: true });
    await k.page.keyboard.type(await user.auth.next());
    await press(k, 'Enter');
    await arrived(k, request);
  } finally {
    await k.close();
  }
});

// ---------------------------------------------------------------------------
// The pages outside a sign-in

for (const lang of LANGS) {
  journey(`9 other pages: errors, logout, logged-out, demo [${lang}]`, async () => {
    const j = new Journey(browser, 'other-pages', lang); // the browser's Accept-Language picks the language
    await j.open();
    try {
      await j.page.goto(`${issuer}/login/next?authRequestID=UNKNOWNREQUEST`);
      await j.at('error');
      assert.match(await j.alert(), new RegExp(TEXT.unknownRequest[lang]));

      const bad = new URL(rp.authorize().url);
      bad.searchParams.set('redirect_uri', `${rp.origin}/not-registered`);
      await j.page.goto(bad.href);
      await j.at('error', 'error-redirect');
      assert.match(await j.alert(), new RegExp(TEXT.invalidRedirect[lang]));

      // RP-initiated logout: a confirmation page, then back to the RP.
      const meta = await metadata();
      const end = new URL(meta.end_session_endpoint);
      end.searchParams.set('client_id', rp.client.id);
      end.searchParams.set('post_logout_redirect_uri', rp.client.postLogoutUri);
      end.searchParams.set('state', 'bye');
      await j.page.goto(end.href);
      await j.at('logout');
      await j.submit();
      assert.equal(j.page.url(), `${rp.client.postLogoutUri}?state=bye`);

      // Logout without an application: the local signed-out page.
      await j.page.goto(`${issuer}/logout`);
      await j.at('logout', 'logout-plain');
      await j.submit();
      await j.at('logged-out');

      await j.page.goto(`${issuer}/demo`);
      await j.at('demo');
    } finally {
      await j.close();
    }
  });
}

journey('10 an error page speaks the language the person chose with the switch [ja]', async () => {
  const j = new Journey(browser, 'error-lang', 'ja', { locale: 'en-US' });
  await j.open();
  try {
    await start(j, { uiLocales: null });
    await j.at('password', 'password', { lang: 'en' });
    await switchLanguage(j, 'password', 'en');
    // The same browser, an unknown (e.g. expired and purged) sign-in.
    await j.page.goto(`${issuer}/login/next?authRequestID=UNKNOWNREQUEST`);
    await j.at('error');
    assert.match(await j.alert(), new RegExp(TEXT.unknownRequest.ja));
  } finally {
    await j.close();
  }
});

// ---------------------------------------------------------------------------
// Enrolment on the phone that shows the page

for (const lang of LANGS) {
  journey(`11 enrolment on a 375 px phone: open in the app, copy the key; recovery codes copied, downloaded, printable [${lang}]`, async () => {
    const user = newUser({ mfa: true });
    const j = new Journey(browser, 'phone-enrol', lang, { width: 375 });
    await j.open();
    await j.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: issuer });
    try {
      const request = await start(j);
      await passwordStep(j, user.username, user.password);
      await setupStep(j, user);
      await questionStep(j, user.answer);
      await j.at('enroll');
      const { uri, secret, setupKey } = await readEnrollPage(j.page, { account: user.username });
      // The phone hands the key to its app; the desktop QR code stays.
      const open = j.page.getByRole('link', { name: TEXT.openApp[lang], exact: true });
      assert.ok(await open.isVisible(), 'Open in authenticator app is shown on a phone');
      assert.equal(await open.getAttribute('href'), uri, 'it opens the same otpauth URI the QR code holds');
      assert.ok(await j.page.locator('#qr-code').isVisible());
      // The app choice shows that app's downloads, for each platform.
      await j.page.selectOption('#app', 'microsoft-authenticator');
      assert.deepEqual(await j.page.locator('[data-app-downloads]:visible a').allInnerTexts(),
        ['Microsoft Authenticator (Android)', 'Microsoft Authenticator (iPhone)']);
      await j.page.locator('#copy-key').click();
      await j.page.locator('#copy_status').filter({ hasText: /./ }).waitFor();
      assert.equal(await j.page.evaluate(() => navigator.clipboard.readText()), setupKey.replace(/\s+/g, ''));
      const auth = new Authenticator(secret);
      await j.page.fill('#code', auth.enrollCode());
      await j.submit();

      await j.at('recovery-codes');
      const codes = (await j.page.locator('#recovery-codes li').allInnerTexts()).map((c) => c.trim());
      await j.page.locator('#copy-codes').click();
      await j.page.locator('#copy_status').filter({ hasText: /./ }).waitFor();
      assert.deepEqual((await j.page.evaluate(() => navigator.clipboard.readText())).trim().split('\n'), codes);
      const [download] = await Promise.all([j.page.waitForEvent('download'), j.page.locator('#download-codes').click()]);
      assert.equal(download.suggestedFilename(), 'otpgate-recovery-codes.txt');
      const file = await download.path();
      assert.deepEqual(readFileSync(file, 'utf8').trim().split('\n'), codes, 'the file holds exactly the codes');
      assert.ok(await j.page.locator('#print-codes').isVisible(), 'Print is offered');
      // Submit without the tick stays on the page (the browser asks for it).
      await j.page.locator('form button[type="submit"]').click();
      assert.equal(await j.page.getAttribute('body', 'data-step'), 'recovery-codes');
      assert.equal(await j.page.locator('#saved').evaluate((e) => e.validity.valueMissing), true);
      await j.page.check('#saved');
      await j.submit();
      await arrived(j, request);
    } finally {
      await j.close();
    }

    // On a desktop the link is not offered: the QR code is.
    const d = new Journey(browser, 'phone-enrol', lang, { width: 1280, after: j });
    await d.open();
    try {
      const other = newUser({ mfa: true });
      await start(d);
      await passwordStep(d, other.username, other.password);
      await setupStep(d, other);
      await questionStep(d, other.answer);
      await d.at('enroll', 'enroll-desktop');
      assert.equal(await d.page.getByRole('link', { name: TEXT.openApp[lang], exact: true }).isVisible(), false);
      assert.ok(await d.page.locator('#qr-code').isVisible());
    } finally {
      await d.close();
    }
  });
}

// ---------------------------------------------------------------------------
// Ways forward

for (const lang of LANGS) {
  journey(`12 ways forward: a finished sign-in starts again, a 404 in words, logout Cancel keeps the session [${lang}]`, async () => {
    const user = await enrolledUser(lang);
    const j = new Journey(browser, 'ways-forward', lang);
    await j.open();
    try {
      const request = await toPasscode(j, user);
      const otpURL = j.page.url();
      await enterPasscode(j, user.auth);
      await arrived(j, request);
      // Back to the finished sign-in's page: an error that offers to start again.
      await j.page.goto(otpURL);
      await j.at('error', 'error-ended');
      assert.equal(await j.page.locator('a[hreflang]').count(), 1, 'the language switch is there');
      await Promise.all([j.page.waitForNavigation(),
        j.page.getByRole('link', { name: TEXT.startAgain[lang], exact: true }).click()]);
      // The session signs the person straight back in to the application.
      assert.ok(j.page.url().startsWith(`${rp.client.redirectUri}?`), j.page.url());

      await j.page.goto(`${issuer}/no/such/page`);
      await j.at('error', 'error-404');
      assert.match(await j.alert(), new RegExp(TEXT.notFound[lang]));
      await j.page.goto(`${issuer}/static/no-such.css`);
      await j.at('error', 'error-404');

      // Logout: Cancel keeps the session.
      await j.page.goto(`${issuer}/logout`);
      await j.at('logout');
      await j.submit(TEXT.cancel[lang]);
      await j.at('logged-out', 'logout-cancelled');
      assert.equal(await j.page.locator('h1').innerText(), TEXT.stillSignedIn[lang]);
      const again = rp.authorize({ uiLocales: lang === 'ja' ? 'ja' : undefined });
      await j.page.goto(again.url);
      assert.ok(j.page.url().startsWith(`${rp.client.redirectUri}?`), 'still signed in after Cancel');
    } finally {
      await j.close();
    }
  });
}

// ---------------------------------------------------------------------------
// Factor-only clients

/**
 * The passcode page of a factor-only sign-in that asked for the username:
 * no lost-device reset there, a hint to ask the administrator instead.
 * Returns the page's text, which must not tell an account from a stranger.
 */
async function typedPasscodePage(j, label) {
  await j.at('otp', label);
  assert.equal(await j.page.locator('#lost-device').count(), 0, 'no Reset Device link in a sign-in that asked for the name');
  assert.equal(await j.page.locator('#reset_device').count(), 0, 'no reset section');
  assert.equal((await j.page.locator('p.hint').innerText()).trim(), TEXT.askAdmin[j.lang]);
  return j.page.locator('main').innerText();
}

for (const lang of LANGS) {
  journey(`13 factor-only client naming nobody: username, passcode page without a reset, a typo, the right code; a stranger's name gets the same page [${lang}]`, async () => {
    const user = await enrolledUser(lang);
    const j = new Journey(browser, 'factor-only', lang);
    await j.open();
    let accountPage;
    try {
      const request = await start(j, { party: factorRP });
      await j.at('username');
      assert.equal(await j.page.locator('h1').innerText(), TEXT.usernameTitle[lang]);
      assert.equal(await j.page.getByText(TEXT.usernameIntro[lang], { exact: true }).count(), 1, 'the intro says a passcode comes next');
      assert.equal(await j.page.locator('#password').count(), 0, 'the caller did the first factor: no password field');
      assert.equal(await j.page.locator('#username').inputValue(), '', 'nobody is suggested');
      await j.page.fill('#username', user.username);
      await j.submit();
      accountPage = await typedPasscodePage(j, 'otp-factor-only');
      await j.page.fill('#code', user.auth.wrong());
      await j.submit();
      await typedPasscodePage(j, 'otp-factor-only-error');
      assert.match(await j.alert(), new RegExp(TEXT.codeInvalid[lang]));
      assert.equal(await j.page.locator('#code').inputValue(), '', 'the wrong code is not kept');
      await enterPasscode(j, user.auth);
      const claims = await arrived(j, request, { party: factorRP });
      assertSecondFactor(claims, user.username);
    } finally {
      await j.close();
    }

    // A name that is no account: the same passcode page, and a code there
    // gets the same refusal as the account's typo.
    const k = new Journey(browser, 'factor-only', lang, { after: j });
    await k.open();
    try {
      await start(k, { party: factorRP });
      await k.at('username');
      await k.page.fill('#username', uniqueName('nobody'));
      await k.submit();
      assert.equal(await typedPasscodePage(k, 'otp-factor-only'), accountPage, "a stranger's passcode page reads like the account's");
      await k.page.fill('#code', user.auth.wrong());
      await k.submit();
      await typedPasscodePage(k, 'otp-factor-only-error');
      assert.match(await k.alert(), new RegExp(TEXT.codeInvalid[lang]));
    } finally {
      await k.close();
    }
  });
}

// ---------------------------------------------------------------------------
// otpgate's own sites: the administrator's console and the person's account page

/** Checks the page as on a 375 px phone too (label -narrow): no sideways scrolling, axe. */
async function atNarrow(j, step, label = step) {
  const { width } = j;
  await j.page.setViewportSize({ width: 375, height: 720 });
  j.width = 375;
  try {
    await j.at(step, label);
  } finally {
    j.width = width;
    await j.page.setViewportSize({ width, height: 720 });
  }
}

/** Clicks what navigates (a link or a form's button) and waits for the new page. */
async function follow(j, locator) {
  await Promise.all([j.page.waitForNavigation(), locator.click()]);
}

/** Five wrong passcodes in a fresh browser: the account is locked for passcodes. */
async function lockOut(user, lang) {
  const j = new Journey(browser, 'setup', lang).silent();
  await j.open();
  try {
    await toPasscode(j, user);
    for (let i = 1; i <= 5; i++) {
      await j.page.fill('#code', user.auth.wrong());
      await j.submit();
    }
    await j.at('locked');
  } finally {
    await j.close();
  }
}

/** The rows of the console's users table: username and whether it is shown as locked (an Unlock button). */
function userRows(page) {
  return page.locator('table.list tbody tr').evaluateAll((trs) => trs.map((tr) => ({
    name: (tr.querySelector('th a')?.textContent ?? '').trim(),
    locked: tr.querySelector('form[action$="/unlock"]') !== null,
  })));
}

/** The first sign-in of a new account at one of otpgate's own sites, up to its first page. */
async function firstSignIn(j, user) {
  await passwordStep(j, user.username, user.password);
  await setupStep(j, user);
  await questionStep(j, user.answer);
  user.auth = await enrollStep(j, user);
  user.codes = await recoveryCodesStep(j);
}

for (const lang of LANGS) {
  journey(`14 console: a new administrator signs in, unlocks a user, resets another's device (who re-enrols), clients, keys, audit; a non-administrator gets 403 [${lang}]`, async () => {
    const locked = await enrolledUser(lang);
    await lockOut(locked, lang);
    const other = await enrolledUser(lang);
    const admin = newUser({ mfa: true });
    cli('user', 'grant-admin', admin.username);

    const j = new Journey(browser, 'console', lang);
    await j.open();
    try {
      // The console's sign-in is otpgate's own: a first sign-in sets up everything.
      await j.page.goto(`${issuer}/admin`);
      await firstSignIn(j, admin);
      await j.at('console-users');
      assert.equal(new URL(j.page.url()).pathname, '/admin');
      await atNarrow(j, 'console-users');
      // Locked accounts come first; the one locked by passcodes is among them.
      const rows = await userRows(j.page);
      const firstActive = rows.findIndex((r) => !r.locked);
      assert.ok(firstActive === -1 || rows.slice(firstActive).every((r) => !r.locked), 'locked accounts are listed first');
      assert.ok(rows.find((r) => r.name === locked.username)?.locked, `${locked.username} is shown as locked`);
      assert.equal(rows.find((r) => r.name === admin.username)?.locked, false);

      // The filters (this user, locked ones only) and the unlock, with the
      // keyboard alone: every element the focus passes shows it.
      await tabTo(j, '#q', { max: 30 });
      await j.page.keyboard.type(locked.username);
      await tabTo(j, '#locked');
      await j.page.keyboard.press('Space');
      await tabTo(j, 'form.filters button[type="submit"]');
      await press(j, 'Enter');
      await j.at('console-users', 'console-users-filtered');
      assert.deepEqual(await userRows(j.page), [{ name: locked.username, locked: true }]);

      // Unlock: one key press, then the user's page says so.
      await tabTo(j, `form[action="/admin/users/${locked.username}/unlock"] button`, { max: 30 });
      await press(j, 'Enter');
      await j.at('console-user');
      assert.equal(new URL(j.page.url()).pathname, `/admin/users/${locked.username}`);
      assert.equal(await j.page.locator('p.status[role="status"]').count(), 1, 'the outcome is said');
      assert.equal((await j.page.locator('#recovery-codes-left').innerText()).trim(), '10', 'the device is kept');
      await j.page.goto(`${issuer}/admin?q=${locked.username}`);
      await j.at('console-users', 'console-users-filtered');
      assert.deepEqual(await userRows(j.page), [{ name: locked.username, locked: false }]);

      // The unlocked user signs in with a passcode; at the console they are no administrator.
      const k = new Journey(browser, 'console', lang, { after: j });
      await k.open();
      try {
        const request = await toPasscode(k, locked);
        await enterPasscode(k, locked.auth);
        await arrived(k, request);
        const res = await k.page.goto(`${issuer}/admin`);
        assert.equal(res.status(), 403, 'the console refuses a person who is not an administrator');
        await k.at('error', 'error-not-admin');
        assert.equal(new URL(k.page.url()).pathname, '/admin');
      } finally {
        j.n = k.n;
        await k.close();
      }

      // Reset another user's device: the enrollment code is shown once.
      await j.page.goto(`${issuer}/admin?q=${other.username}`);
      await j.at('console-users', 'console-users-filtered');
      await follow(j, j.page.locator(`form[action="/admin/users/${other.username}/reset-device"] button`));
      await j.at('console-enrollment-code');
      const proof = (await j.page.locator('#enrollment-code').innerText()).trim();
      assert.match(proof, /\S{8,}/);

      const m = new Journey(browser, 'console', lang, { after: j });
      await m.open();
      try {
        const request = await start(m);
        await passwordStep(m, other.username, other.newPassword);
        await questionStep(m, other.answer);
        await reenrolWithProof(m, other, proof);
        await arrived(m, request);
      } finally {
        j.n = m.n;
        await m.close();
      }
      await j.page.goto(`${issuer}/admin/users/${other.username}`);
      await j.at('console-user', 'console-user-reenrolled');
      assert.equal((await j.page.locator('#recovery-codes-left').innerText()).trim(), '10', 'a new device with new codes');

      // Clients: a new confidential client, its secret shown once.
      const id = uniqueName('console-client');
      await follow(j, j.page.locator('a[href="/admin/clients"]').first());
      await j.at('console-clients');
      await j.page.fill('#id', id);
      await j.page.fill('#name', `Console ${lang}`);
      await j.page.fill('#redirect_uri', `https://rp.example.test/${id}/callback`);
      await j.page.fill('#post_logout_uri', `https://rp.example.test/${id}/signed-out`);
      await j.page.check('#type-confidential');
      await j.page.check('#require_mfa');
      await follow(j, j.page.locator('form[action="/admin/clients"] button[type="submit"]'));
      await j.at('console-client-secret');
      assert.match((await j.page.locator('#client-secret').innerText()).trim(), /^\S{20,}$/);
      await follow(j, j.page.locator(`a[href="/admin/clients/${id}"]`));
      await j.at('console-client');
      assert.equal(await j.page.locator('#client-secret').count(), 0, 'the secret is not shown again');
      assert.match(await j.page.locator('#redirect-uris').innerText(), new RegExp(`${id}/callback`));
      await j.page.goto(`${issuer}/admin/clients/${id}/remove`);
      await j.at('console-client-remove');
      await follow(j, j.page.locator(`form[action="/admin/clients/${id}/remove"] button`));
      await j.at('console-clients', 'console-clients-removed');
      assert.equal(await j.page.locator(`a[href="/admin/clients/${id}"]`).count(), 0, 'the client is gone');

      // Signing keys and the audit log.
      await j.page.goto(`${issuer}/admin/keys`);
      await j.at('console-keys');
      await j.page.goto(`${issuer}/admin/audit`);
      await j.at('console-audit');
      await j.page.fill('#user', locked.username);
      await follow(j, j.page.locator('form.filters button[type="submit"]'));
      await j.at('console-audit', 'console-audit-user');
      const actors = await j.page.locator('table.list tbody tr td:nth-child(5)').allInnerTexts();
      assert.ok(actors.some((a) => a.includes(admin.username)), `the unlock is audited with the administrator: ${actors}`);
    } finally {
      await j.close();
    }
  }, { timeout: 240_000 });
}

for (const lang of LANGS) {
  journey(`15 account page: the device, new recovery codes, another browser signed out, password, question, device replacement [${lang}]`, async () => {
    const user = await enrolledUser(lang);

    // Another browser signs in to the account page first.
    const b = new Journey(browser, 'account', lang).silent();
    const j = new Journey(browser, 'account', lang);
    await b.open();
    await j.open();
    try {
      await b.page.goto(`${issuer}/account`);
      await passwordStep(b, user.username, user.newPassword);
      await questionStep(b, user.answer);
      await b.at('otp');
      await enterPasscode(b, user.auth);
      await b.at('account');
      await b.page.goto(`${issuer}/account/sessions`);
      await b.at('account-sessions');
      const otherSession = await b.page.locator('#sessions tr[data-current] input[name="session"]').getAttribute('value');
      assert.ok(otherSession);

      await j.page.goto(`${issuer}/account`);
      await passwordStep(j, user.username, user.newPassword);
      await questionStep(j, user.answer);
      await j.at('otp');
      await enterPasscode(j, user.auth);
      await j.at('account');
      assert.equal(new URL(j.page.url()).pathname, '/account');
      await atNarrow(j, 'account');
      assert.equal((await j.page.locator('#device-app').innerText()).trim(), 'Google Authenticator');
      assert.notEqual((await j.page.locator('#device-last-used').innerText()).trim(), '');
      assert.equal(await j.page.locator('#codes-left').getAttribute('data-count'), '10');
      assert.ok(Number(await j.page.locator('#sessions-count').getAttribute('data-count')) >= 2, 'both browsers are signed in');

      // New recovery codes, with a passcode, with the keyboard alone.
      await tabTo(j, 'a#new-codes', { max: 30 });
      await press(j, 'Enter');
      await j.at('account-codes');
      await assertFocus(j, '#code');
      await j.page.keyboard.type(await user.auth.next());
      await press(j, 'Enter');
      await j.at('account-codes-new');
      const codes = (await j.page.locator('#recovery-codes li').allInnerTexts()).map((c) => c.trim());
      assert.equal(codes.length, 10, 'ten new codes');
      assert.equal(codes.filter((c) => user.codes.includes(c)).length, 0, 'none of the old ones');
      const oldCodes = user.codes;
      user.codes = codes;
      await j.page.goto(`${issuer}/account`);
      await j.at('account');
      assert.equal(await j.page.locator('#codes-left').getAttribute('data-count'), '10');

      // Sessions: end the other browser's, with the keyboard alone.
      await tabTo(j, 'a#manage-sessions', { max: 30 });
      await press(j, 'Enter');
      await j.at('account-sessions');
      assert.equal(await j.page.locator('#sessions tr[data-current]').count(), 1, 'this browser is marked');
      const own = await j.page.locator('#sessions tr[data-current] input[name="session"]').getAttribute('value');
      assert.notEqual(own, otherSession);
      await tabTo(j, `#sessions form:has(input[name="session"][value="${otherSession}"]) button`, { max: 30 });
      await press(j, 'Enter');
      await j.at('account', 'account-done');
      assert.equal(await j.page.locator('#done').getAttribute('data-done'), 'sessions');
      await j.page.goto(`${issuer}/account/sessions`);
      await j.at('account-sessions');
      assert.equal(await j.page.locator(`#sessions input[name="session"][value="${otherSession}"]`).count(), 0, 'the other session is gone');

      // The other browser is signed out: the account page asks for the
      // password again; and an old recovery code no longer resets the device.
      b.quiet = false;
      b.n = j.n;
      await b.page.goto(`${issuer}/account`);
      await b.at('password', 'password-signed-out');
      assert.ok(new URL(b.page.url()).pathname.startsWith('/login/'), `a new sign-in: ${b.page.url()}`);
      await passwordStep(b, user.username, user.newPassword, 'password-signed-out');
      await questionStep(b, user.answer);
      await b.at('otp');
      await follow(b, b.page.locator('a#lost-device'));
      await b.at('reset');
      await b.page.fill('#recovery_code', oldCodes[0]);
      await follow(b, b.page.locator('form[action="/login/reset"] button'));
      await b.at('reset', 'reset-error');
      assert.match(await b.alert(), new RegExp(TEXT.recoveryInvalid[lang]));
      j.n = b.n;

      // The other pages: password, question, device replacement.
      await j.page.goto(`${issuer}/account`);
      await follow(j, j.page.locator('a#change-password'));
      await j.at('account-password');
      await j.page.goto(`${issuer}/account`);
      await follow(j, j.page.locator('a#change-question'));
      await j.at('account-question');
      await j.page.goto(`${issuer}/account`);
      await follow(j, j.page.locator('a#replace-device'));
      await j.at('account-device');
      await j.page.fill('#recovery_code', user.codes[0]);
      await j.submit();
      await j.at('account-device-key');
      const { secret } = await readEnrollPage(j.page, { account: user.username });
      await j.page.selectOption('#app', 'authy');
      const auth = new Authenticator(secret);
      await j.page.fill('#code', auth.enrollCode());
      await j.submit();
      await j.at('account-codes-new', 'account-codes-new-device');
      user.auth = auth;
    } finally {
      await b.close();
      await j.close();
    }
  }, { timeout: 240_000 });
}

// ---------------------------------------------------------------------------
// Remember this browser

for (const lang of LANGS) {
  journey(`16 remember this browser: ticked at the passcode, the next sign-in skips it and its session gives single sign-on; forgotten on the account page, it asks again [${lang}]`, async () => {
    const user = await enrolledUser(lang);
    const party = await startRP({ id: uniqueName('remember-rp'), name: 'Remember RP', rememberBrowser: true });
    const j = new Journey(browser, 'remember', lang);
    await j.open();
    try {
      let request = await start(j, { party });
      await passwordStep(j, user.username, user.newPassword);
      await questionStep(j, user.answer);
      await j.at('otp', 'otp-remember');
      assert.equal(await j.page.locator('#remember_browser').isChecked(), false, 'not ticked unless the person ticks it');
      await j.page.check('#remember_browser');
      await enterPasscode(j, user.auth);
      await arrived(j, request, { party });

      // Signed out, then a new sign-in in this browser: no passcode.
      await j.page.goto(`${issuer}/logout`);
      await j.at('logout', 'logout-plain');
      await j.submit();
      await j.at('logged-out');
      request = await start(j, { party });
      await passwordStep(j, user.username, user.newPassword);
      await j.at('question');
      await j.page.fill('#answer', user.answer);
      await j.submit();
      const url = j.page.url();
      assert.ok(url.startsWith(`${party.client.redirectUri}?`), `the remembered browser skips the passcode: ${url}`);
      const claims = await party.exchange(request, url);
      assert.deepEqual(claims.amr, ['pwd', 'kba']);
      assert.equal(claims.acr, 'urn:otpgate:acr:remembered-browser');

      // The session that sign-in started signs in again at the same
      // application without a page (single sign-on), and says the same.
      request = await start(j, { party });
      const again = j.page.url();
      assert.ok(again.startsWith(`${party.client.redirectUri}?`), `single sign-on of the remembered session: ${again}`);
      const ssoClaims = await party.exchange(request, again);
      assert.deepEqual(ssoClaims.amr, ['pwd', 'kba']);
      assert.equal(ssoClaims.acr, 'urn:otpgate:acr:remembered-browser');

      // The account page (its sign-in wants the passcode: its client does
      // not allow remembering) lists this browser; forget it.
      await j.page.goto(`${issuer}/account/sessions`);
      await passwordStep(j, user.username, user.newPassword);
      await questionStep(j, user.answer);
      await j.at('otp');
      assert.equal(await j.page.locator('#remember_browser').count(), 0, 'the account page does not offer it');
      await enterPasscode(j, user.auth);
      await j.at('account-sessions', 'account-sessions-browsers');
      assert.equal(new URL(j.page.url()).pathname, '/account/sessions', 'the sign-in returns to the page that asked');
      const browsers = j.page.locator('#browsers tr[data-browser]');
      assert.equal(await browsers.count(), 1, 'one remembered browser');
      assert.equal(await browsers.first().getAttribute('data-current'), 'true', 'this one');
      await follow(j, browsers.first().locator('form[action="/account/browsers/forget"] button'));
      await j.at('account', 'account-done-browsers');
      assert.equal(await j.page.locator('#done').getAttribute('data-done'), 'browsers');
      await j.page.goto(`${issuer}/account/sessions`);
      await j.at('account-sessions', 'account-sessions-none');
      assert.equal(await j.page.locator('#no-browsers').count(), 1);

      // Signed out again: the next sign-in asks for the passcode.
      await j.page.goto(`${issuer}/logout`);
      await j.at('logout', 'logout-plain');
      await j.submit();
      await j.at('logged-out');
      request = await start(j, { party });
      await passwordStep(j, user.username, user.newPassword);
      await questionStep(j, user.answer);
      await j.at('otp', 'otp-remember');
      await enterPasscode(j, user.auth);
      await arrived(j, request, { party });
    } finally {
      await j.close();
      await party.close();
    }
  }, { timeout: 240_000 });
}

// ---------------------------------------------------------------------------
// Accessibility summary

const PAGE_TYPES = ['password', 'username', 'setup', 'question', 'enroll', 'recovery-codes', 'otp', 'reset', 'enroll-proof',
  'locked', 'error', 'logout', 'logged-out', 'demo', 'link-code',
  'console-users', 'console-user', 'console-enrollment-code', 'console-clients', 'console-client', 'console-client-secret',
  'console-client-remove', 'console-keys', 'console-audit',
  'account', 'account-device', 'account-device-key', 'account-codes', 'account-codes-new', 'account-password',
  'account-question', 'account-sessions'];

test('axe-core checked every page type in both languages', { skip: skip ?? false }, (t) => {
  const rows = axeSummary();
  writeFileSync(path.join(artifacts, 'axe-summary.json'), `${JSON.stringify(rows, null, 2)}\n`);
  t.diagnostic('axe-core violations by impact (page state, language: minor/moderate/serious/critical; rules)');
  for (const r of rows) {
    t.diagnostic(`${r.page.padEnd(20)} ${r.lang}  ${r.minor}/${r.moderate}/${r.serious}/${r.critical}${r.rules ? `  ${r.rules}` : ''}`);
  }
  const missing = [];
  for (const step of PAGE_TYPES) {
    for (const lang of LANGS) {
      if (!rows.some((r) => r.step === step && r.lang === lang)) missing.push(`${step} (${lang})`);
    }
  }
  assert.deepEqual(missing, [], 'page types axe never saw');
});
