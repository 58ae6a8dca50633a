// A scripted user agent for the sign-in pages: fetch with a cookie jar of
// its own, redirects followed by hand, and the pages' POST forms filled in
// from the stable contract (DESIGN.md): <body data-step="…">, hidden csrf
// and authRequestID inputs, the documented field names, errors in
// role="alert", the setup key in id="setup-key", recovery codes in
// id="recovery-codes".
//
//   const agent = new Agent();
//   const callback = await agent.signIn(authorizationUrl, user, { redirectUri });
//   // callback: the URL the provider redirected to (code or error), never fetched
//   agent.steps  // data-step of every page the last walk showed, in order
//
// `user` is the object createUser() returned; the agent keeps what the person
// would remember on it: the new password, question and answer after the
// first sign-in (preset user.newPassword / user.question / user.answer to
// choose them), the TOTP key (totpSecret, base32) after enrollment, the
// recoveryCodes, and lastStep, the last TOTP time step used: a code is never
// offered twice, so the agent uses the next step (one step of skew is
// allowed) or waits for the clock. Codes come from oathtool (fixtures.totp).
//
// Other tools: agent.follow(url, {method, form, stopAt}) → {page} | {redirect};
// agent.submit(page, fields, {stopAt}); Page has step, lang, status, alert,
// forms, setupKey, recoveryCodes, byId(id).

import { totp, totpStep, sleep } from './fixtures.mjs';

const entities = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0' };

/** Decodes the HTML character references html/template writes. */
export function decodeEntities(s) {
  return s.replace(/&(#x[0-9a-f]+|#[0-9]+|[a-z]+);/gi, (m, e) => {
    if (e[0] === '#') {
      const cp = e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
      return String.fromCodePoint(cp);
    }
    return entities[e.toLowerCase()] ?? m;
  });
}

function attrs(tag) {
  const out = {};
  const re = /([a-zA-Z_:][-a-zA-Z0-9_:.]*)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?/g;
  // Skip the tag name.
  const body = tag.replace(/^<\s*[a-zA-Z0-9]+/, '').replace(/\/?>$/, '');
  let m;
  while ((m = re.exec(body))) {
    out[m[1].toLowerCase()] = decodeEntities(m[2] ?? m[3] ?? m[4] ?? '');
  }
  return out;
}

function text(html) {
  return decodeEntities(html.replace(/<[^>]*>/g, ' ')).replace(/\s+/g, ' ').trim();
}

/** A parsed HTML page of the provider. */
export class Page {
  constructor(url, status, headers, html) {
    this.url = url;
    this.status = status;
    this.headers = headers;
    this.html = html;
    this.step = /<body[^>]*\bdata-step="([^"]*)"/.exec(html)?.[1];
    this.lang = /<html[^>]*\blang="([^"]*)"/.exec(html)?.[1];
  }

  /** The text of the role="alert" element, or undefined. */
  get alert() {
    const m = /<([a-z0-9]+)[^>]*\brole="alert"[^>]*>([\s\S]*?)<\/\1>/i.exec(this.html);
    return m ? text(m[2]) : undefined;
  }

  /** The text of the element with this id, or undefined. */
  byId(id) {
    const m = new RegExp(`<([a-z0-9]+)[^>]*\\bid="${id}"[^>]*>([\\s\\S]*?)</\\1>`, 'i').exec(this.html);
    return m ? text(m[2]) : undefined;
  }

  /** The attributes of the first element with this id, or undefined. */
  attrsById(id) {
    const m = new RegExp(`<[a-z0-9]+[^>]*\\bid="${id}"[^>]*>`, 'i').exec(this.html);
    return m ? attrs(m[0]) : undefined;
  }

  /** The base32 setup key of the enroll page, without spaces. */
  get setupKey() {
    return this.byId('setup-key')?.replace(/\s+/g, '');
  }

  /** The recovery codes listed in id="recovery-codes". */
  get recoveryCodes() {
    const m = /<[a-z0-9]+[^>]*\bid="recovery-codes"[^>]*>([\s\S]*?)<\/(ol|ul|div)>/i.exec(this.html);
    if (!m) return [];
    return [...m[1].matchAll(/<code>([\s\S]*?)<\/code>/g)].map((x) => text(x[1]));
  }

  /**
   * The POST forms of the page: [{action, fields, selects, inputs}] where
   * fields is an object of every input's current value (hidden ones
   * included), selects maps each select's name to its option values and
   * inputs lists the input elements' attributes.
   */
  get forms() {
    const out = [];
    for (const m of this.html.matchAll(/(<form\b[^>]*>)([\s\S]*?)<\/form>/gi)) {
      const fa = attrs(m[1]);
      if ((fa.method ?? 'get').toLowerCase() !== 'post') continue;
      const fields = {};
      const selects = {};
      const inputs = [];
      for (const im of m[2].matchAll(/<input\b[^>]*>/gi)) {
        const a = attrs(im[0]);
        inputs.push(a);
        if (!a.name) continue;
        if ((a.type === 'checkbox' || a.type === 'radio') && !('checked' in a)) continue;
        fields[a.name] = a.value ?? '';
      }
      for (const sm of m[2].matchAll(/(<select\b[^>]*>)([\s\S]*?)<\/select>/gi)) {
        const a = attrs(sm[1]);
        if (!a.name) continue;
        const options = [...sm[2].matchAll(/<option\b[^>]*>/gi)].map((o) => attrs(o[0]));
        selects[a.name] = options.map((o) => o.value ?? '');
        const sel = options.find((o) => 'selected' in o) ?? options[0];
        fields[a.name] = sel?.value ?? '';
      }
      for (const tm of m[2].matchAll(/(<textarea\b[^>]*>)([\s\S]*?)<\/textarea>/gi)) {
        const a = attrs(tm[1]);
        if (a.name) fields[a.name] = decodeEntities(tm[2]);
      }
      out.push({ action: new URL(fa.action || this.url, this.url).href, fields, selects, inputs });
    }
    return out;
  }

  /** The first POST form, or throws. */
  form() {
    const f = this.forms[0];
    if (!f) throw new Error(`no POST form on the ${this.step ?? 'unknown'} page ${this.url} (status ${this.status})`);
    return f;
  }
}

function isRedirect(status) {
  return status >= 300 && status < 400 && status !== 304;
}

/**
 * A user agent with its own cookies. Every request is made with
 * redirect: 'manual'; follow() walks the redirects and stops before leaving
 * for a given prefix (the client's redirect URI), which is never fetched.
 */
export class Agent {
  constructor({ acceptLanguage = 'en', log = false } = {}) {
    this.jar = new Map();
    this.acceptLanguage = acceptLanguage;
    this.log = log;
    this.steps = [];
    this.history = [];
  }

  cookieHeader() {
    return [...this.jar].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  storeCookies(res) {
    for (const sc of res.headers.getSetCookie()) {
      const [pair, ...params] = sc.split(';');
      const i = pair.indexOf('=');
      const name = pair.slice(0, i).trim();
      const value = pair.slice(i + 1).trim();
      let expired = value === '';
      for (const p of params) {
        const [k, v] = p.split('=').map((x) => x?.trim());
        if (k?.toLowerCase() === 'max-age' && Number(v) <= 0) expired = true;
        if (k?.toLowerCase() === 'expires' && Date.parse(v) <= Date.now()) expired = true;
      }
      if (expired) this.jar.delete(name);
      else this.jar.set(name, value);
    }
  }

  /** One request, no redirect followed. form: an object sent urlencoded. */
  async request(url, { method = 'GET', form, headers = {} } = {}) {
    const h = { 'Accept-Language': this.acceptLanguage, Accept: 'text/html,application/json;q=0.9,*/*;q=0.8', ...headers };
    const cookie = this.cookieHeader();
    if (cookie) h.Cookie = cookie;
    let body;
    if (form) {
      body = new URLSearchParams(form).toString();
      h['Content-Type'] = 'application/x-www-form-urlencoded';
    }
    const res = await fetch(url, { method, headers: h, body, redirect: 'manual' });
    this.storeCookies(res);
    this.history.push(`${method} ${url} → ${res.status}${res.headers.get('location') ? ' ' + res.headers.get('location') : ''}`);
    if (this.log) console.log(this.history.at(-1));
    return res;
  }

  /**
   * Makes a request and follows redirects. Returns {page} for the page it
   * ends on, or {redirect: URL} when a Location starts with stopAt.
   */
  async follow(url, { method = 'GET', form, stopAt } = {}) {
    let res = await this.request(url, { method, form });
    let current = String(url);
    for (let i = 0; i < 20 && isRedirect(res.status); i++) {
      const loc = new URL(res.headers.get('location'), current);
      if (stopAt && loc.href.startsWith(stopAt)) return { redirect: loc };
      current = loc.href;
      res = await this.request(current);
    }
    if (isRedirect(res.status)) throw new Error(`too many redirects from ${url}`);
    const page = new Page(current, res.status, res.headers, await res.text());
    return { page };
  }

  /** Opens a URL (following redirects) and returns the page; stops at stopAt. */
  async open(url, opts = {}) {
    const r = await this.follow(url, opts);
    if (r.redirect) return r;
    if (r.page.step) this.steps.push(r.page.step);
    return r;
  }

  /** Submits a page's first POST form with fields overriding its values. */
  async submit(page, fields, opts = {}) {
    const f = page.form();
    return this.follow(f.action, { method: 'POST', form: { ...f.fields, ...fields }, ...opts });
  }

  /**
   * Walks a sign-in from an authorization request to the redirect to the
   * client: opens url (GET, or POST with postForm as the body), fills in
   * each step for user and returns the URL the provider redirected to.
   * Options: redirectUri (the client's), postForm, app (the authenticator
   * app chosen at enrollment), onPage(page) called on every page (return
   * true to stop and get the page back as {page}).
   */
  async signIn(url, user, { redirectUri, postForm, app = 'google', onPage } = {}) {
    if (!redirectUri) throw new Error('signIn needs the redirectUri to stop at');
    this.steps = [];
    let r = postForm
      ? await this.follow(url, { method: 'POST', form: postForm, stopAt: redirectUri })
      : await this.follow(url, { stopAt: redirectUri });
    let previous;
    for (let i = 0; i < 20; i++) {
      if (r.redirect) return r.redirect;
      const page = r.page;
      this.steps.push(page.step ?? `(status ${page.status})`);
      if (onPage && (await onPage(page))) return page;
      if (previous && previous.step === page.step && page.alert) {
        throw new Error(`the ${page.step} step refused the agent's input (status ${page.status}): ${page.alert}`);
      }
      previous = page;
      r = await this.fill(page, user, { redirectUri, app });
    }
    throw new Error(`sign-in did not end; steps: ${this.steps.join(' → ')}`);
  }

  /** Fills in and submits one step of the journey. */
  async fill(page, user, { redirectUri, app = 'google' } = {}) {
    const opts = { stopAt: redirectUri };
    switch (page.step) {
      case 'password':
        return this.submit(page, { username: user.username, password: user.password }, opts);
      case 'setup': {
        const form = page.form();
        const newPassword = user.newPassword ?? `${user.password}-and-new-${Math.random().toString(36).slice(2, 8)}`;
        const question = user.question ?? form.selects.question?.find((v) => v) ?? 'first_pet';
        const answer = user.answer ?? `Answer ${Math.random().toString(36).slice(2, 10)}`;
        const fields = { new_password: newPassword, new_password_confirm: newPassword };
        if ('question' in form.fields) Object.assign(fields, { question, answer, answer_confirm: answer });
        const r = await this.submit(page, fields, opts);
        if (!(r.page && r.page.step === 'setup')) {
          user.password = newPassword;
          user.question = question;
          user.answer = answer;
          delete user.newPassword;
        }
        return r;
      }
      case 'question':
        return this.submit(page, { answer: user.answer }, opts);
      case 'enroll': {
        const key = page.setupKey;
        if (!key) throw new Error('enroll page shows no setup key');
        const form = page.form();
        const choice = form.selects.app?.includes(app) ? app : form.selects.app?.find((v) => v);
        const { code, step } = await this.nextCode({ ...user, totpSecret: key });
        const r = await this.submit(page, { app: choice, code }, opts);
        if (!(r.page && r.page.step === 'enroll')) {
          user.totpSecret = key;
          user.lastStep = step;
        }
        return r;
      }
      case 'recovery-codes':
        user.recoveryCodes = page.recoveryCodes;
        return this.submit(page, {}, opts);
      case 'otp': {
        if (!user.totpSecret) throw new Error('passcode asked but the user has no TOTP secret');
        const { code, step } = await this.nextCode(user);
        const r = await this.submit(page, { code }, opts);
        if (!(r.page && r.page.step === 'otp')) user.lastStep = step;
        return r;
      }
      default:
        throw new Error(`the agent cannot continue from the ${page.step ?? 'unknown'} page ${page.url} ` +
          `(status ${page.status}${page.alert ? ': ' + page.alert : ''})`);
    }
  }

  /**
   * The code of the earliest usable time step: the current one, or the next
   * one (one step of skew is allowed) when the current one was already used,
   * waiting for the clock when even that was used.
   */
  async nextCode(user) {
    for (;;) {
      const now = totpStep();
      const step = Math.max(now, (user.lastStep ?? -Infinity) + 1);
      if (step <= now + 1) return { code: totp(user.totpSecret, new Date(step * 30_000)), step };
      await sleep((now + 1) * 30_000 - Date.now() + 50);
    }
  }
}
