// The desktop app's tunnel path in a namespace of its own: the real helper (as the service
// runs it) with its state machine, driven over its real control socket the way the GUI
// drives it. A second client of a topology's server, next to the topology's own client,
// so one server outage tests the CLI and the app at the same time.
//
//   [app ns] veth 10.98.0.2 / fd98::2  <──>  veth 10.98.0.1 / fd98::1 [server ns]
//            tunnel 10.200.0.3 (its own peer on the server)
import { existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import { createClient, type Client } from '../../ipc/client.js';
import type { TunnelState } from '../../ipc/schema.js';
import { connectHelper } from '../../app/main/helper-transport.js';
import {
  connectNamespaces,
  createNamespace,
  genKeyPair,
  HELPER_MAIN,
  makeTempDir,
  renderClientConfig,
  waitFor,
  type ManagedProcess,
  type Namespace,
  type Topology,
} from '../harness/index.js';

export const APP_TUNNEL_SOURCE = '10.200.0.3';
export const APP_DIRECT_SOURCES = ['10.98.0.2', 'fd98::2'];

export interface AppClient {
  ns: Namespace;
  /** The app namespace's end of the veth (for probes bound to it: outside the tunnel). */
  vethName: string;
  lanV4: string;
  ipc: Client;
  /** Every state the helper pushed, in order (the GUI's view). */
  states: TunnelState[];
  profileId: string;
  /** Disconnects (lifting the kill switch), stops the helper, removes its files. */
  stop(): Promise<void>;
}

/** Sets the app namespace up, starts the helper there, imports a full IPv4 tunnel profile. */
export async function startAppClient(topo: Topology): Promise<AppClient> {
  const ns = await createNamespace('ksapp');
  const link = await connectNamespaces(topo.serverNs, ns, {
    v4: ['10.98.0.1/24', '10.98.0.2/24'],
    v6: ['fd98::1/64', 'fd98::2/64'],
  });
  await ns.ip(['route', 'add', 'default', 'via', '10.98.0.1']);
  await ns.ip(['-6', 'route', 'add', 'default', 'via', 'fd98::1']);
  const keys = await genKeyPair();
  await topo.server.addPeer({ publicKey: keys.publicKey, allowedIps: [`${APP_TUNNEL_SOURCE}/32`] });

  const dir = makeTempDir('ss-apppath-');
  const socket = path.join(dir.path, 'helper.sock');
  // The kill switch's journal must not share the CLI client's default state directory.
  const journalDir = `/run/slipstream-test-${ns.name}`;
  const helper: ManagedProcess = ns.spawn(
    process.execPath,
    [
      HELPER_MAIN,
      ...['--socket', socket, '--uid', '0', '--gid', '0'],
      ...['--state-dir', path.join(dir.path, 'state'), '--log-dir', path.join(dir.path, 'logs')],
      ...['--ifname', 'slip-app'],
    ],
    { label: 'helper (app path)', env: { SLIPSTREAM_STATE_DIR: journalDir } },
  );
  await waitFor(() => existsSync(socket), { what: 'the helper socket' });
  const transport = await connectHelper(socket, 0);
  const ipc = createClient(transport);
  const states: TunnelState[] = [];
  ipc.on('state', (s) => states.push(s));

  const imported = await ipc.importProfile({
    fileName: 'full-tunnel.conf',
    text: renderClientConfig({
      privateKey: keys.privateKey,
      addresses: [`${APP_TUNNEL_SOURCE}/24`],
      peers: [
        {
          publicKey: topo.server.publicKey,
          endpoint: `10.98.0.1:${topo.server.port}`,
          allowedIps: ['0.0.0.0/0'],
        },
      ],
    }),
  });
  if (!imported.ok) throw new Error(`import failed: ${JSON.stringify(imported.problems)}`);
  return {
    ns,
    vethName: link.b.ifname,
    lanV4: '10.98.0.1',
    ipc,
    states,
    profileId: imported.profile.id,
    stop: async () => {
      // Best effort: a test that failed may have left the helper unable to answer.
      await ipc.disconnect({}).catch(() => undefined);
      transport.close();
      helper.child.kill('SIGTERM');
      await helper.exited;
      rmSync(journalDir, { recursive: true, force: true });
      await ns.delete();
    },
  };
}
