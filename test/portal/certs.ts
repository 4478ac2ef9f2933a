// A throwaway certificate authority and a server certificate for the portal's address, made
// with the openssl CLI. Clients trust the CA through NODE_EXTRA_CA_CERTS, as a company's
// devices trust its private CA; Slipstream has no switch to turn certificate checks off.
import { chmodSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import path from 'node:path';
import { findExecutable, runOk } from '../harness/system.js';
import { makeTempDir, type TempDir } from '../harness/tempfiles.js';

export interface PortalCertificates {
  dir: TempDir;
  /** PEM of the CA certificate: what clients must trust (NODE_EXTRA_CA_CERTS). */
  caFile: string;
  /** PEM of the server certificate, signed by the CA. */
  certFile: string;
  /** PEM of the server's private key (0600). */
  keyFile: string;
}

/** Makes a CA and a certificate for `hosts` (IP addresses or DNS names) in a fresh temp dir. */
export async function makePortalCertificates(
  hosts: string[],
  opts: { days?: number } = {},
): Promise<PortalCertificates> {
  if (hosts.length === 0) throw new Error('a certificate needs at least one host');
  if (findExecutable('openssl') === null) {
    throw new Error('openssl is missing: apt-get install -y --no-install-recommends openssl');
  }
  for (const h of hosts) {
    if (isIP(h) === 0 && !/^[A-Za-z0-9.-]{1,253}$/.test(h)) throw new Error(`bad host ${h}`);
  }
  const dir = makeTempDir('ss-portal-ca-');
  const f = (name: string) => path.join(dir.path, name);
  const days = String(opts.days ?? 7);
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  try {
    await runOk('openssl', [
      'req',
      '-x509',
      ...ec,
      '-keyout',
      f('ca.key'),
      '-out',
      f('ca.pem'),
      '-days',
      days,
      '-subj',
      '/CN=Slipstream test CA',
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
    ]);
    await runOk('openssl', [
      'req',
      ...ec,
      '-keyout',
      f('server.key'),
      '-out',
      f('server.csr'),
      '-subj',
      `/CN=${hosts[0]}`,
    ]);
    // Clients match the address against subjectAltName only (the CN is ignored for that).
    const san = hosts.map((h) => (isIP(h) ? `IP:${h}` : `DNS:${h}`)).join(',');
    writeFileSync(
      f('server.ext'),
      [
        `subjectAltName=${san}`,
        'basicConstraints=critical,CA:FALSE',
        'keyUsage=critical,digitalSignature',
        'extendedKeyUsage=serverAuth',
        '',
      ].join('\n'),
    );
    await runOk('openssl', [
      'x509',
      '-req',
      '-in',
      f('server.csr'),
      '-CA',
      f('ca.pem'),
      '-CAkey',
      f('ca.key'),
      '-CAcreateserial',
      '-out',
      f('server.pem'),
      '-days',
      days,
      '-extfile',
      f('server.ext'),
    ]);
  } catch (e) {
    dir.remove();
    throw e;
  }
  // Readable by a non-root browser or client that must trust the CA; the keys stay 0600.
  chmodSync(dir.path, 0o755);
  return { dir, caFile: f('ca.pem'), certFile: f('server.pem'), keyFile: f('server.key') };
}
