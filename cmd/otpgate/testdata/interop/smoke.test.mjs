// Smoke test of the interop harness: the provider answers discovery.
import test from 'node:test';
import assert from 'node:assert/strict';

test('discovery answers on the issuer', async () => {
  const issuer = process.env.OTPGATE_ISSUER;
  const res = await fetch(`${issuer}/.well-known/openid-configuration`);
  assert.equal(res.status, 200);
  const doc = await res.json();
  assert.equal(doc.issuer, issuer);
});
