// Log locations per OS.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { logDirectory, logFile } from '../../../app/log/location.js';

test('log directories: XDG state home on Linux, LOCALAPPDATA on Windows', () => {
  assert.equal(logDirectory('linux', {}, '/home/ann'), '/home/ann/.local/state/slipstream/logs');
  assert.equal(
    logDirectory('linux', { XDG_STATE_HOME: '/var/lib/ann' }, '/home/ann'),
    '/var/lib/ann/slipstream/logs',
  );
  assert.equal(
    logDirectory('linux', { XDG_STATE_HOME: 'relative/dir' }, '/home/ann'),
    '/home/ann/.local/state/slipstream/logs',
    'a relative XDG_STATE_HOME is ignored, as the spec says',
  );
  assert.equal(
    logDirectory('win32', { LOCALAPPDATA: 'C:\\Users\\Ann\\AppData\\Local' }, 'C:\\Users\\Ann'),
    'C:\\Users\\Ann\\AppData\\Local\\Slipstream\\logs',
  );
  assert.equal(
    logDirectory('win32', {}, 'C:\\Users\\Ann'),
    'C:\\Users\\Ann\\AppData\\Local\\Slipstream\\logs',
  );
  assert.equal(logFile('/x', 'helper', 'linux'), '/x/helper.jsonl');
});
