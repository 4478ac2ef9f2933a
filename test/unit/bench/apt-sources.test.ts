import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  oneLineSourcesWithSuite,
  parseDeb822,
  pickVersion,
  renderBackportsSources,
  sourcesWithSuite,
} from '../../bench/tunnel/apt-sources.js';

const DEBIAN_SOURCES = `Types: deb
# http://snapshot.debian.org/archive/debian/20250520T000000Z
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://deb.debian.org/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm
Components: main

Types: deb
URIs: http://mirror.example/debian
Suites: bookworm
Components: main contrib
Enabled: no
`;

test('the system entry for the release, moved to -backports with its mirror and keyring', () => {
  const found = sourcesWithSuite(DEBIAN_SOURCES, 'bookworm');
  assert.deepEqual(found, [
    {
      uris: ['http://deb.debian.org/debian'],
      components: ['main'],
      signedBy: '/usr/share/keyrings/debian-archive-keyring.gpg',
    },
  ]);
  assert.equal(
    renderBackportsSources(found, 'bookworm'),
    'Types: deb\nURIs: http://deb.debian.org/debian\nSuites: bookworm-backports\nComponents: main\n' +
      'Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg\n',
  );
  assert.deepEqual(sourcesWithSuite(DEBIAN_SOURCES, 'trixie'), []);
});

test('an inline keyring stays a multi-line field', () => {
  const text = `Types: deb\nURIs: http://x/debian\nSuites: bookworm\nComponents: main\nSigned-By:\n -----BEGIN PGP PUBLIC KEY BLOCK-----\n .\n abc\n`;
  const [s] = sourcesWithSuite(text, 'bookworm');
  assert.ok(s);
  assert.match(
    renderBackportsSources([s], 'bookworm'),
    /^Signed-By: \n -----BEGIN PGP PUBLIC KEY BLOCK-----\n \.\n abc$/m,
  );
});

test('one-line sources.list entries, with and without options', () => {
  const list = `# comment
deb http://deb.debian.org/debian bookworm main contrib
deb [arch=amd64 signed-by=/etc/apt/keyrings/d.gpg] http://m.example/debian bookworm main # note
deb http://deb.debian.org/debian bookworm-updates main
deb-src http://deb.debian.org/debian bookworm main
`;
  assert.deepEqual(oneLineSourcesWithSuite(list, 'bookworm'), [
    { uris: ['http://deb.debian.org/debian'], components: ['main', 'contrib'], signedBy: null },
    {
      uris: ['http://m.example/debian'],
      components: ['main'],
      signedBy: '/etc/apt/keyrings/d.gpg',
    },
  ]);
});

test('the backports version is picked out of apt-cache show, not the installed one', () => {
  const shown = `Package: wireguard-go
Version: 0.0.20231211-1~bpo12+1
Description: Userspace Go implementation of WireGuard
 continued line

Package: wireguard-go
Version: 0.0.20220316-1+b4

Package: wireguard-go-extra
Version: 0.0.20231211-9
`;
  assert.equal(parseDeb822(shown).length, 3);
  assert.equal(pickVersion(shown, 'wireguard-go', '0.0.20231211'), '0.0.20231211-1~bpo12+1');
  assert.equal(pickVersion(shown, 'wireguard-go', '0.0.20220316'), '0.0.20220316-1+b4');
  assert.equal(pickVersion(shown, 'wireguard-go', '0.0.2023121'), null, 'no prefix matches');
  assert.equal(pickVersion('', 'wireguard-go', '0.0.20231211'), null);
});
