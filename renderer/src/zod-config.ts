/**
 * zod compiles fast object validators with new Function() unless told not
 * to, and the app's CSP has no 'unsafe-eval', so each attempt would log a
 * violation. Schemas read the flag when they are built (ipc/schema.ts, at
 * import), so this module must be imported first, before anything that
 * imports a schema.
 */
import { z } from 'zod';

z.config({ jitless: true });
