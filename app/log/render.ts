/**
 * Turns arbitrary field values into JSON-safe data that is safe to write to a
 * log: sensitive keys are redacted, registered secrets scrubbed from every
 * string, byte arrays shown only by length (they are usually keys or packet
 * payloads), and cycles, bigints, errors and oversized strings handled so that
 * rendering cannot throw on ordinary values.
 */
export const REDACTED = '[redacted]';

/**
 * Field names whose values are never written, at any depth. Two rules:
 *  - a name CONTAINING a word that is only ever a secret (privateKeyBase64,
 *    clientSecretValue, passwordHash, presharedKey, Authorization, codeVerifier,
 *    credentials): no innocent field carries these words, so a suffix cannot
 *    smuggle one out;
 *  - a name ENDING in a word that is also used for counters and states (a bare
 *    or *Key field other than a public key, *Token(s), cookie(s), psk):
 *    matching these anywhere would hide `cookie-required` (the counter that
 *    shows a handshake flood), `keysZeroed` or `tokenExpiresAt`.
 */
export const SENSITIVE_KEY =
  /private[-_ ]?key|preshared|secret|passw|passphrase|authorization|credential|verifier|(?:(?<!public[-_ ]?)keys?|psk|tokens?|cookies?)$/i;

const MAX_DEPTH = 8;
const MAX_STRING = 16 * 1024;

/** Replaces every occurrence of a registered secret. */
export class SecretScrubber {
  private secrets: string[] = [];

  add(secret: string): void {
    if (secret === '' || this.secrets.includes(secret)) return;
    // Longest first, so a secret that contains another is replaced whole.
    this.secrets = [...this.secrets, secret].sort((a, b) => b.length - a.length);
  }

  scrub(text: string): string {
    let out = text;
    for (const secret of this.secrets) {
      if (out.includes(secret)) out = out.split(secret).join(REDACTED);
    }
    return out;
  }
}

function truncate(text: string): string {
  return text.length > MAX_STRING ? `${text.slice(0, MAX_STRING)}…[truncated]` : text;
}

export class FieldRenderer {
  private readonly ancestors: object[] = [];

  constructor(private readonly scrubber: SecretScrubber) {}

  string(text: string): string {
    return truncate(this.scrubber.scrub(text));
  }

  /** The rendered value of a named field, or undefined when it should be left out. */
  field(key: string, value: unknown): unknown {
    if (value === undefined) return undefined;
    if (SENSITIVE_KEY.test(key)) return REDACTED;
    return this.value(value);
  }

  value(value: unknown): unknown {
    switch (typeof value) {
      case 'string':
        return this.string(value);
      case 'number':
        return Number.isFinite(value) ? value : String(value);
      case 'boolean':
        return value;
      case 'bigint':
        return value.toString();
      case 'undefined':
        return null;
      case 'symbol':
        return this.string(value.toString());
      case 'function':
        return `[function ${value.name || 'anonymous'}]`;
    }
    if (value === null || value === undefined) return null;
    return this.object(value as object);
  }

  private object(obj: object): unknown {
    if (ArrayBuffer.isView(obj)) return `<${obj.byteLength} bytes>`;
    if (obj instanceof ArrayBuffer || obj instanceof SharedArrayBuffer) {
      return `<${obj.byteLength} bytes>`;
    }
    if (obj instanceof Date)
      return Number.isNaN(obj.getTime()) ? 'Invalid Date' : obj.toISOString();
    if (this.ancestors.includes(obj)) return '[circular]';
    if (this.ancestors.length >= MAX_DEPTH) return '[too deep]';
    this.ancestors.push(obj);
    try {
      return this.container(obj);
    } finally {
      this.ancestors.pop();
    }
  }

  private container(obj: object): unknown {
    if (obj instanceof Error) {
      const out: [string, unknown][] = [['message', this.string(obj.message)]];
      const code: unknown = (obj as { code?: unknown }).code;
      if (typeof code === 'string' || typeof code === 'number')
        out.push(['code', this.value(code)]);
      return Object.fromEntries(out);
    }
    if (Array.isArray(obj)) return obj.map((item: unknown) => this.value(item));
    if (obj instanceof Set) return [...obj].map((item: unknown) => this.value(item));
    if (obj instanceof Map) {
      return this.entries([...obj].map(([k, v]: [unknown, unknown]) => [String(k), v]));
    }
    const toJSON: unknown = (obj as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === 'function') {
      let json: unknown;
      try {
        json = toJSON.call(obj);
      } catch {
        return '[unreadable]';
      }
      return this.value(json);
    }
    return this.entries(Object.keys(obj).map((k) => [k, readProperty(obj, k)]));
  }

  private entries(pairs: [string, unknown][]): Record<string, unknown> {
    const out: [string, unknown][] = [];
    for (const [key, value] of pairs) {
      const rendered = this.field(key, value);
      if (rendered !== undefined) out.push([this.string(key), rendered]);
    }
    // fromEntries defines properties, so a "__proto__" key stays an ordinary field.
    return Object.fromEntries(out);
  }
}

function readProperty(obj: object, key: string): unknown {
  try {
    return (obj as Record<string, unknown>)[key];
  } catch {
    return '[unreadable]';
  }
}
