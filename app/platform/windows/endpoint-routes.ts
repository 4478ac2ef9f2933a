/**
 * Keeps a full tunnel's endpoint host routes on the path the network uses now.
 *
 * Windows has no fwmark, so a full tunnel keeps its own encrypted UDP out of
 * the tunnel with a host route to each peer endpoint through the real gateway
 * (plan.ts). When the default route moves (Wi-Fi to Ethernet, a new DHCP
 * gateway, a USB modem), that host route would keep pointing at the old path:
 * a dead interface, or a gateway that is no longer there. Every check, each
 * endpoint route in the journal is compared with where the table, ignoring the
 * tunnel and that route itself, would send the endpoint now; when that differs the
 * new route goes in and is journaled before the old one is deleted, so at no
 * moment is the endpoint routed into the tunnel and a crash leaves nothing
 * unrecorded.
 *
 * Polled rather than subscribed (NotifyRouteChange2): the check is one route
 * table read per endpoint, a lost notification cannot leave it stale, and the
 * same code runs under wine, which does not deliver route notifications.
 */
import type { WinJournalEntry } from './apply.js';
import {
  ERROR_NOT_FOUND,
  ERROR_OBJECT_ALREADY_EXISTS,
  win32Code,
  type WinNetApi,
  type WinRoute,
} from './native.js';

/** How often the endpoint routes are checked. */
export const ROUTE_CHECK_MS = 2000;

export interface EndpointRouteMove {
  address: string;
  from: string;
  to: string;
}

const via = (r: { ifindex: number; nextHop?: string | undefined }) =>
  `if ${r.ifindex}${r.nextHop ? ` via ${r.nextHop}` : ''}`;

/** A journal entry that is the host route to one of `endpoints` outside the tunnel. */
export function isEndpointRoute(
  e: WinJournalEntry,
  endpoints: ReadonlySet<string>,
  tunnelIfindex: number,
): e is { kind: 'route'; route: WinRoute } {
  return (
    e.kind === 'route' &&
    e.route.ifindex !== tunnelIfindex &&
    e.route.prefixLength === (e.route.family === 4 ? 32 : 128) &&
    endpoints.has(e.route.dst)
  );
}

/**
 * Moves every endpoint route of `journal` (changed in place, keeping its
 * position so teardown still removes it after the tunnel's /1 routes) to
 * where the table sends the endpoint now. `save` persists the journal.
 * Returns the moves made; a route that cannot be added stays where it was
 * and is reported in `errors`.
 */
export async function followEndpointRoutes(
  api: WinNetApi,
  journal: WinJournalEntry[],
  endpoints: ReadonlySet<string>,
  tunnelIfindex: number,
  save: (entries: readonly WinJournalEntry[]) => Promise<void>,
): Promise<{ moves: EndpointRouteMove[]; errors: string[] }> {
  const moves: EndpointRouteMove[] = [];
  const errors: string[] = [];
  for (let i = 0; i < journal.length; i++) {
    const entry = journal[i]!;
    if (!isEndpointRoute(entry, endpoints, tunnelIfindex)) continue;
    const old = entry.route;
    const best = api.bestRoute(old.family, old.dst, tunnelIfindex, {
      ifindex: old.ifindex,
      nextHop: old.nextHop ?? (old.family === 4 ? '0.0.0.0' : '::'),
    });
    // No way out at all: nothing better to point at; the old route does no harm.
    if (!best) continue;
    if (best.ifindex === old.ifindex && best.nextHop === old.nextHop) continue;
    // As apply.ts builds it at start-up, from the same answer.
    const route: WinRoute = { ...old, ifindex: best.ifindex, nextHop: best.nextHop };
    let adopted = false;
    try {
      api.addRoute(route);
    } catch (err) {
      // Somebody else's host route already sends the endpoint that way: it is not ours
      // to journal (or delete at teardown); ours only has to go.
      adopted = win32Code(err) === ERROR_OBJECT_ALREADY_EXISTS;
      if (!adopted) {
        errors.push(`${old.dst}: ${err instanceof Error ? err.message : String(err)}`);
        continue;
      }
    }
    if (!adopted) {
      // Both in the journal before the old one goes: a crash here leaves both to undo.
      journal.splice(i + 1, 0, { kind: 'route', route });
      await save(journal);
    }
    try {
      api.deleteRoute(old);
    } catch (err) {
      // Windows drops an interface's routes when it goes away: already gone is fine.
      // Anything else stays journaled, for teardown to try again.
      if (win32Code(err) !== ERROR_NOT_FOUND) {
        errors.push(`${old.dst} ${via(old)}: ${err instanceof Error ? err.message : String(err)}`);
        moves.push({ address: old.dst, from: via(old), to: via(route) });
        if (!adopted) i++;
        continue;
      }
    }
    journal.splice(i, 1);
    await save(journal);
    // The entry at i is now the next one (adopted) or the new route.
    if (adopted) i--;
    moves.push({ address: old.dst, from: via(old), to: via(route) });
  }
  return { moves, errors };
}
