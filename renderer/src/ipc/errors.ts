/**
 * What the user reads when a command fails. IpcError messages are written for
 * users (short sentences from the schema's envelopes), so they are shown as
 * they are; anything else is a bug, and its text (or stack) is not for them.
 */
import { IpcError } from '../../../ipc/client.js';

export function userMessage(error: unknown): string {
  if (error instanceof IpcError) return error.message;
  console.error(error);
  return 'Something went wrong. Try again.';
}
