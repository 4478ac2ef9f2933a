#!/usr/bin/env -S node --max-semi-space-size=4
/**
 * `slipstream` entry point. Signals are caught here, first, before the rest
 * of the CLI is loaded (static imports would be evaluated before any line of
 * this file runs), so a Ctrl-C at any moment is an orderly stop, never a
 * process killed half-way through configuring a tunnel. See shutdown.ts.
 */
import { catchSignals } from './shutdown.js';

const shutdown = catchSignals();
// From here on a signal is an orderly stop; SLIPSTREAM_DEBUG says so (the tests time from it).
if (process.env.SLIPSTREAM_DEBUG) process.stderr.write('slipstream: signals caught\n');
const { main } = await import('./cli.js');
// Exit explicitly: stderr is synchronous for files and pipes on POSIX, and a
// finished tunnel must not linger because some library left a handle open.
process.exit(await main(process.argv.slice(2), shutdown));
