// One registry of everything the harness must undo (processes, namespaces, temp files), so
// that a failed or interrupted test leaves nothing behind on the machine.
//
// Every task has two forms: an async one for the orderly cleanupAll() in a test's after()
// hook, and a synchronous one for process exit and SIGINT/SIGTERM/SIGHUP, when no event loop
// is left to wait on. Both must be idempotent: either may run after the other.

export interface CleanupTask {
  /** What is being cleaned up, for error messages. */
  label: string;
  run: () => Promise<void>;
  runSync: () => void;
}

// Insertion order; undone in reverse so processes die before their namespace is deleted.
const tasks = new Set<CleanupTask>();
let hooksInstalled = false;
let running: Promise<void> | null = null;

function runAllSync(): void {
  for (const task of [...tasks].reverse()) {
    try {
      task.runSync();
    } catch {
      // Best effort at exit: nothing useful can be done with the error any more.
    }
    tasks.delete(task);
  }
}

const SIGNAL_EXIT_CODES: Partial<Record<NodeJS.Signals, number>> = {
  SIGHUP: 129,
  SIGINT: 130,
  SIGTERM: 143,
};

function installHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.on('exit', runAllSync);
  for (const [signal, code] of Object.entries(SIGNAL_EXIT_CODES) as [NodeJS.Signals, number][]) {
    // Listening replaces the default "die" action, so exit explicitly after cleaning up.
    process.once(signal, () => {
      runAllSync();
      process.exit(code);
    });
  }
}

/** Registers a task; returns a function that unregisters it without running it. */
export function registerCleanup(task: CleanupTask): () => void {
  installHooks();
  tasks.add(task);
  return () => {
    tasks.delete(task);
  };
}

/**
 * Undoes everything still registered, newest first. Tries every task even when some fail,
 * then throws one error naming the failures; failed tasks stay registered so the exit hook
 * gets another try.
 */
export function cleanupAll(): Promise<void> {
  running ??= (async () => {
    const failures: string[] = [];
    for (const task of [...tasks].reverse()) {
      try {
        await task.run();
        tasks.delete(task);
      } catch (e) {
        failures.push(`${task.label}: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
    if (failures.length > 0) throw new Error(`cleanup failed for ${failures.join('; ')}`);
  })().finally(() => {
    running = null;
  });
  return running;
}

/** Number of pending cleanup tasks (for tests of the harness itself). */
export function pendingCleanupCount(): number {
  return tasks.size;
}
