/**
 * Which routing tables already hold routes, so a full tunnel without FwMark
 * picks a policy table nobody else uses (wg-quick's "51820, else the next
 * free one"). The addon has no route dump, so iproute2's JSON output is read.
 */
import { findExecutable, runCommand } from './exec.js';

const NAMED_TABLES: Record<string, number> = { default: 253, main: 254, local: 255 };

/** Table ids found in `ip -j route show table all` output (routes without "table" are main's). */
export function tablesFromIpJson(json: string): Set<number> {
  const used = new Set<number>();
  let routes: unknown;
  try {
    routes = JSON.parse(json);
  } catch {
    return used;
  }
  if (!Array.isArray(routes)) return used;
  for (const route of routes) {
    if (typeof route !== 'object' || route === null) continue;
    const table = (route as { table?: unknown }).table;
    if (table === undefined) used.add(NAMED_TABLES.main!);
    else if (typeof table === 'number') used.add(table);
    else if (typeof table === 'string') {
      const id = NAMED_TABLES[table] ?? (/^\d+$/.test(table) ? Number(table) : undefined);
      if (id !== undefined) used.add(id);
    }
  }
  return used;
}

/**
 * Tables with IPv4 or IPv6 routes in this namespace. Without iproute2 the
 * set is empty: the plan then uses 51820, which only clashes with another
 * full tunnel, and that clash surfaces as a clear "File exists" error.
 */
export async function routingTablesInUse(timeoutMs = 3000): Promise<Set<number>> {
  const ip = await findExecutable('ip');
  const used = new Set<number>();
  if (!ip) return used;
  for (const family of ['-4', '-6']) {
    try {
      const { stdout } = await runCommand(ip, ['-j', family, 'route', 'show', 'table', 'all'], {
        timeoutMs,
      });
      for (const t of tablesFromIpJson(stdout)) used.add(t);
    } catch {
      // IPv6 disabled, or an old iproute2 without -j: treat as no routes.
    }
  }
  return used;
}
