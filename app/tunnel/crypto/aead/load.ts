/**
 * Chooses the transport AEAD: sodium-native when it loads and passes the
 * start-up check against @noble, else @noble with one warning.
 * `SLIPSTREAM_AEAD=noble` forces @noble (for comparison, or to rule the
 * native library out when chasing a problem).
 */
import type { LogFields } from '../../../log/logger.js';
import { nobleAead } from './noble.js';
import { checkTransportAead } from './self-check.js';
import { sodiumAead } from './sodium.js';
import type { AeadName, TransportAead } from './types.js';

export interface ChooseAeadOptions {
  /** Where SLIPSTREAM_AEAD is read. Default process.env. */
  env?: NodeJS.ProcessEnv;
  /** Loads the native implementation; throws if it cannot. Default: sodium-native. */
  loadNative?: () => TransportAead;
  /** Called at most once, when the native implementation cannot be used. */
  warn: (message: string, fields: LogFields) => void;
}

export function chooseTransportAead(options: ChooseAeadOptions): TransportAead {
  const wanted = (options.env ?? process.env).SLIPSTREAM_AEAD?.trim() ?? '';
  if (wanted === 'noble') return nobleAead();
  const fallBack = (reason: string): TransportAead => {
    options.warn('native AEAD unavailable; using @noble/ciphers (slower)', { reason });
    return nobleAead();
  };
  if (wanted !== '' && wanted !== 'sodium') {
    return fallBack(`SLIPSTREAM_AEAD="${wanted}" is not "sodium" or "noble"`);
  }
  let native: TransportAead;
  try {
    native = (options.loadNative ?? sodiumAead)();
  } catch (error) {
    return fallBack(`sodium-native did not load: ${(error as Error)?.message ?? String(error)}`);
  }
  let failure: string | null;
  try {
    failure = checkTransportAead(native);
  } catch (error) {
    failure = `threw ${(error as Error)?.message ?? String(error)}`;
  }
  if (failure !== null) return fallBack(`sodium-native failed its self-check: ${failure}`);
  return native;
}

let chosen: TransportAead | null = null;

/**
 * The process's transport AEAD, chosen (and checked) on first use; later
 * calls reuse that choice, so a fallback is reported once per process.
 */
export function transportAead(warn?: ChooseAeadOptions['warn']): TransportAead {
  chosen ??= chooseTransportAead({
    warn:
      warn ?? ((message, fields) => process.emitWarning(`${message}: ${String(fields.reason)}`)),
  });
  return chosen;
}

/**
 * The implementation a crypto worker uses: the one its pool chose (already
 * checked on the pool's thread). Throws if it cannot be loaded here.
 */
export function transportAeadNamed(name: AeadName): TransportAead {
  return name === 'sodium-native' ? sodiumAead() : nobleAead();
}
