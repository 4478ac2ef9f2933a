import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  CONTENT_SECURITY_POLICY,
  isAppUrl,
  isTrustedSender,
  mayGrantPermission,
  mayNavigate,
  mayOpenExternally,
  newWindowDecision,
} from '../../../app/main/window-policy.js';

const ROOT = 'file:///opt/Slipstream/resources/app.asar/renderer/';

test('only the app’s own pages are app pages (file build and dev server)', () => {
  assert.ok(isAppUrl(`${ROOT}index.html`, ROOT));
  assert.ok(isAppUrl(`${ROOT}index.html#/logs`, ROOT));
  assert.ok(!isAppUrl('file:///etc/passwd', ROOT));
  assert.ok(!isAppUrl(`${ROOT}../../../../etc/passwd`, ROOT), 'dot segments are resolved first');
  assert.ok(!isAppUrl('file://evil.example/opt/Slipstream/resources/app.asar/renderer/x', ROOT));
  assert.ok(!isAppUrl('https://example.com/', ROOT));
  assert.ok(!isAppUrl('not a url', ROOT));
  const dev = 'http://127.0.0.1:5199/';
  assert.ok(isAppUrl('http://127.0.0.1:5199/#/status', dev));
  assert.ok(!isAppUrl('http://127.0.0.1:5200/', dev));
  assert.ok(!isAppUrl('http://localhost:5199/', dev));
});

test('navigation, new windows, permissions and IPC senders', () => {
  assert.ok(mayNavigate(`${ROOT}index.html`, ROOT));
  assert.ok(!mayNavigate('https://phish.example/login', ROOT));
  assert.deepEqual(newWindowDecision('https://docs.example/help'), {
    action: 'deny',
    openExternally: 'https://docs.example/help',
  });
  for (const bad of [
    'javascript:alert(1)',
    'file:///etc/passwd',
    'smb://host/share',
    'https://user:pw@host/',
    'https://',
  ]) {
    assert.deepEqual(newWindowDecision(bad), { action: 'deny', openExternally: null }, bad);
    assert.ok(!mayOpenExternally(bad), bad);
  }
  for (const p of ['media', 'notifications', 'clipboard-read', 'geolocation', 'openExternal']) {
    assert.equal(mayGrantPermission(p), false, p);
  }
  assert.ok(isTrustedSender(`${ROOT}index.html`, ROOT));
  assert.ok(!isTrustedSender(undefined, ROOT));
  assert.ok(!isTrustedSender('https://ads.example/frame', ROOT));
});

test('the CSP allows nothing inline, remote or framed', () => {
  const directives = new Map(
    CONTENT_SECURITY_POLICY.split(';').map((d) => {
      const [name, ...values] = d.trim().split(/\s+/);
      return [name, values] as const;
    }),
  );
  assert.deepEqual(directives.get('default-src'), ["'none'"]);
  assert.deepEqual(directives.get('script-src'), ["'self'"]);
  assert.deepEqual(directives.get('frame-ancestors'), ["'none'"]);
  assert.deepEqual(directives.get('object-src'), ["'none'"]);
  assert.ok(!CONTENT_SECURITY_POLICY.includes('unsafe'));
  assert.ok(!/https?:/.test(CONTENT_SECURITY_POLICY));
});
