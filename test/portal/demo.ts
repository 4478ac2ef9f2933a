// `npm run demo` (Linux, as root): the test network, the reference portal and the resource
// behind the gateway, left running so a person can sign in with the real app. Ctrl-C tears
// everything down (the harness's exit handlers delete the namespaces and temp files).
import {
  createTopology,
  findExecutable,
  requireRoot,
  startPortal,
  type Portal,
  type Topology,
} from '../harness/index.js';

const TOOLS = ['ip', 'wg', 'wireguard-go', 'openssl'];

function instructions(topo: Topology, portal: Portal): string {
  const cli = topo.clientNs.name;
  const inCli = `sudo ip netns exec ${cli}`;
  return `
Slipstream demo is up.

  Portal address (type this into the app):  ${portal.url}
  Users:  ann / correct-horse      may use the VPN
          bob / battery-staple     signs in, but the portal refuses him the VPN (403)

  The portal's certificate comes from a throwaway CA. Trust it, as a company's devices
  trust the company CA:   NODE_EXTRA_CA_CERTS=${portal.caFile}

  The portal and the gateway live in network namespace ${topo.serverNs.name}; reach them
  from the client namespace ${cli} (the host itself has no route to them).

  Sign in with the command line client:
    ${inCli} env NODE_EXTRA_CA_CERTS=${portal.caFile} npx slipstream login --portal ${portal.url}
  The browser must run in the same namespace, because the app's sign-in callback listens on
  127.0.0.1 there, for example:
    ${inCli} sudo -u "$SUDO_USER" chromium --user-data-dir="$(mktemp -d)" <sign-in URL>
  and import ${portal.caFile} into that browser profile as a trusted authority.

  Once connected, this answers "hello from behind the gateway" (only through the tunnel):
    ${inCli} curl ${portal.resourceUrl}

  Admin API (list devices, revoke a device, end a user's sessions), from the client namespace:
    ${inCli} curl --cacert ${portal.caFile} -H "Authorization: Bearer ${portal.adminToken}" ${portal.url}/admin/devices
    … -X DELETE ${portal.url}/admin/devices/<id>
    … -X POST ${portal.url}/admin/users/ann/revoke-sessions

  Portal log lines follow. Press Ctrl-C to stop and clean up.
`;
}

async function main(): Promise<void> {
  requireRoot();
  const missing = TOOLS.filter((t) => findExecutable(t) === null);
  if (missing.length > 0) {
    throw new Error(
      `missing tools: ${missing.join(', ')} (apt-get install -y --no-install-recommends iproute2 wireguard-tools wireguard-go openssl)`,
    );
  }
  const topo = await createTopology({ prefix: 'demo' });
  const portal = await startPortal(topo);
  process.stdout.write(instructions(topo, portal));

  // The harness's own signal handlers clean up synchronously and exit; this runs first.
  process.prependOnceListener('SIGINT', () => process.stdout.write('\nCleaning up…\n'));
  process.prependOnceListener('SIGTERM', () => process.stdout.write('\nCleaning up…\n'));

  // Relay the portal's log; the timer also keeps the demo running until Ctrl-C.
  let shown = 0;
  setInterval(() => {
    const log = portal.proc.stderr();
    if (log.length > shown) process.stdout.write(log.slice(shown));
    shown = log.length;
    if (!portal.proc.isRunning()) {
      process.stderr.write(`the portal ${portal.proc.describeExit()}\n`);
      process.kill(process.pid, 'SIGTERM');
    }
  }, 300);
}

main().catch((e: unknown) => {
  process.stderr.write(`demo failed: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
