/**
 * Whether Electron's safeStorage really protects secrets here; pure, so it is
 * unit-tested without Electron. On Linux, "basic_text" means no keyring was
 * found and safeStorage would encrypt with a fixed, public key.
 */
export function keyringProblem(info: {
  available: boolean;
  backend: string | null;
}): string | null {
  if (!info.available || info.backend === 'basic_text' || info.backend === 'unknown')
    return 'No keyring is available (such as GNOME Keyring or KWallet), so your sign-in is kept only until Slipstream quits.';
  return null;
}
