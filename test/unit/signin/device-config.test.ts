import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatCidr } from '../../../app/config/ip.js';
import { deviceConfig, deviceToWgQuick } from '../../../app/signin/device-config.js';
import { DeviceSchema } from '../../../app/signin/device-schema.js';
import { PortalResponseError } from '../../../app/signin/errors.js';
import { encodeKey } from '../../../app/tunnel/wireguard/keys.js';
import { GATEWAY, keyPair, sampleDevice } from './fixtures.js';

test('the Device becomes a config parseWgQuick accepts, matching it field by field', () => {
  const keys = keyPair();
  const device = DeviceSchema.parse(sampleDevice(keys.publicKey));
  const config = deviceConfig(device.tunnel, keys.privateKey, 'portal profile test');
  assert.equal(encodeKey(config.interface.privateKey), keys.privateKey);
  assert.deepEqual(
    config.interface.addresses.map((a) => a.text),
    ['10.77.0.5/32', 'fd77::5/128'],
  );
  assert.deepEqual(config.interface.dns, ['10.77.0.1']);
  assert.equal(config.interface.mtu, 1420);
  assert.equal(config.peers.length, 1);
  const peer = config.peers[0]!;
  assert.equal(encodeKey(peer.publicKey), GATEWAY.publicKey);
  assert.deepEqual(peer.endpoint && { host: peer.endpoint.host, port: peer.endpoint.port }, {
    host: 'gw1.example.com',
    port: 51820,
  });
  assert.deepEqual(peer.allowedIps.map(formatCidr), ['10.77.0.0/16', 'fd77::/64']);
  assert.equal(peer.persistentKeepalive, 25);
  assert.deepEqual(config.warnings, []);
  assert.equal(config.file, 'portal profile test');
});

test('optional parts: no DNS, no MTU, a peer without endpoint or keepalive', () => {
  const keys = keyPair();
  const device = DeviceSchema.parse({
    ...sampleDevice(keys.publicKey),
    tunnel: {
      addresses: ['10.77.0.9/32'],
      peers: [{ publicKey: GATEWAY.publicKey, allowedIps: ['0.0.0.0/0'] }],
    },
  });
  const config = deviceConfig(device.tunnel, keys.privateKey);
  assert.deepEqual(config.interface.dns, []);
  assert.equal(config.interface.mtu, undefined);
  assert.equal(config.peers[0]!.endpoint, undefined);
  assert.equal(config.peers[0]!.persistentKeepalive, undefined);
});

test('values that would add lines or entries to the wg-quick text are rejected by the schema', () => {
  const keys = keyPair();
  const base = sampleDevice(keys.publicKey);
  const evil = [
    { ...base.tunnel, addresses: ['10.77.0.5/32\nPostUp = rm -rf /'] },
    { ...base.tunnel, dns: ['10.0.0.1 # comment'] },
    { ...base.tunnel, addresses: ['10.77.0.5/32, 10.0.0.0/8'] },
    {
      ...base.tunnel,
      peers: [{ ...base.tunnel.peers[0]!, endpoint: 'gw:51820\n[Peer]' }],
    },
    { ...base.tunnel, peers: [{ ...base.tunnel.peers[0]!, publicKey: 'short=' }] },
    { ...base.tunnel, peers: [] },
  ];
  for (const tunnel of evil) {
    assert.equal(
      DeviceSchema.safeParse({ ...base, tunnel }).success,
      false,
      JSON.stringify(tunnel),
    );
  }
});

test('settings parseWgQuick refuses become one sentence without the private key', () => {
  const keys = keyPair();
  const tunnel = DeviceSchema.parse({
    ...sampleDevice(keys.publicKey),
    tunnel: { ...sampleDevice(keys.publicKey).tunnel, addresses: ['10.77.0.5/33'] },
  }).tunnel;
  assert.throws(
    () => deviceConfig(tunnel, keys.privateKey),
    (err: unknown) => {
      assert.ok(err instanceof PortalResponseError);
      assert.match(err.message, /^The portal sent tunnel settings this client cannot use: .*33/);
      assert.ok(!err.message.includes(keys.privateKey));
      return true;
    },
  );
  assert.match(deviceToWgQuick(tunnel, keys.privateKey), /^\[Interface\]\nPrivateKey = /);
});
