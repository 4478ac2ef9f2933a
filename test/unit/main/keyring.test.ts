// When Electron's safeStorage really protects the sign-in, and when the app must say it does not.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { keyringProblem } from '../../../app/main/electron/keyring.js';

test('safeStorage counts as a keyring only when it is one', () => {
  assert.equal(keyringProblem({ available: true, backend: null }), null, 'Windows DPAPI');
  assert.equal(keyringProblem({ available: true, backend: 'gnome_libsecret' }), null);
  assert.equal(keyringProblem({ available: true, backend: 'kwallet6' }), null);
  // Linux without a keyring: Electron "encrypts" with a fixed key; that is no protection.
  assert.match(keyringProblem({ available: true, backend: 'basic_text' }) ?? '', /No keyring/);
  assert.match(keyringProblem({ available: false, backend: null }) ?? '', /until Slipstream quits/);
});
