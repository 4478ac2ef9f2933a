/**
 * Which characters lowercase to (something containing) a given character:
 * the search for a non-ASCII needle looks for the raw bytes of these in the
 * file to find candidate lines, then checks each the exact way. The table is
 * built once, on first use, from String#toLowerCase itself (all characters
 * with case mappings are below U+20000).
 */
let inverse: Map<string, string[]> | null = null;

function build(): Map<string, string[]> {
  const table = new Map<string, string[]>();
  const add = (lower: string, from: string) => {
    const list = table.get(lower);
    if (list) list.push(from);
    else table.set(lower, [from]);
  };
  for (let cp = 0; cp < 0x20000; cp++) {
    if (cp >= 0xd800 && cp < 0xe000) continue;
    const ch = String.fromCodePoint(cp);
    const lower = ch.toLowerCase();
    if (lower === ch) continue;
    for (const part of lower) add(part, ch);
  }
  // The one context-dependent mapping: a final capital sigma lowercases to ς, not σ.
  add('\u03c2', '\u03a3');
  return table;
}

/** `ch` (one code point) and every character whose lowercase contains it. */
export function lowercasePreimages(ch: string): string[] {
  inverse ??= build();
  return [ch, ...(inverse.get(ch) ?? [])];
}
