/**
 * The file operations behind the CLI's saved session, and who performs them.
 *
 * `sudo slipstream up --portal URL` runs as root but keeps its session in the
 * invoking user's directory (~/.config/slipstream), which that user
 * controls: any path in it may be swapped for a symlink at any moment, and
 * root following it would read, write, chmod or chown whatever it points at.
 * So under sudo every file operation in the session directory is done by a
 * short-lived child process running as SUDO_UID/SUDO_GID: whatever the user
 * has planted there, the child can only do what the user could do anyway.
 * Root only ever sees bytes. The child runs Node's own `-e` with the source
 * of `sessionFileOp` below (Node built-ins only), never a file from the
 * installation, which the user may not be able to read.
 *
 * Without sudo the same function runs in-process: the files are the
 * caller's own.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export type FileRequest =
  | { op: 'read'; name: string }
  | { op: 'write'; name: string; data: string }
  | { op: 'create'; name: string; data: string }
  | { op: 'remove'; name: string };

/** `data` is base64; `error` an errno code (ENOENT, EEXIST, ...) or a short sentence. */
export type FileAnswer =
  { ok: true; data?: string | null; created?: boolean } | { ok: false; error: string };

/**
 * Performs one request in `dir` with synchronous Node built-ins. Must stay
 * self-contained (no imports, no outer names): its source text is what the
 * unprivileged child evaluates.
 *
 * Rules, whoever runs it: the directory is created 0700 and must be a real
 * directory owned by the running user (not a symlink); files are opened with
 * O_NOFOLLOW and written 0600 through a temporary file renamed into place.
 */
export function sessionFileOp(
  nodeFs: typeof fs,
  nodePath: typeof path,
  dir: string,
  request: FileRequest,
  random: () => string,
): FileAnswer {
  const c = nodeFs.constants;
  const code = (e: unknown): string => {
    const err = e as { code?: unknown; message?: unknown };
    return typeof err.code === 'string' ? err.code : String(err.message ?? e);
  };
  if (!/^[A-Za-z0-9._-]{1,64}$/.test(request.name) || request.name.startsWith('.')) {
    return { ok: false, error: 'bad file name' };
  }
  const file = nodePath.join(dir, request.name);
  const checkDir = (create: boolean): string | null => {
    if (create) {
      try {
        nodeFs.mkdirSync(dir, { recursive: true, mode: 0o700 });
      } catch (e) {
        return code(e);
      }
    }
    let info: fs.Stats;
    try {
      info = nodeFs.lstatSync(dir);
    } catch (e) {
      return code(e);
    }
    if (!info.isDirectory()) return `${dir} is not a directory`;
    const uid = typeof process.getuid === 'function' ? process.getuid() : -1;
    if (uid >= 0 && info.uid !== uid) return `${dir} belongs to another user`;
    if (uid >= 0 && (info.mode & 0o077) !== 0) nodeFs.chmodSync(dir, 0o700);
    return null;
  };
  const writeNew = (target: string, data: string): void => {
    const fd = nodeFs.openSync(target, c.O_WRONLY | c.O_CREAT | c.O_EXCL | c.O_NOFOLLOW, 0o600);
    try {
      nodeFs.writeSync(fd, Buffer.from(data, 'base64'));
      nodeFs.fsyncSync(fd);
    } finally {
      nodeFs.closeSync(fd);
    }
  };
  try {
    switch (request.op) {
      case 'read': {
        const bad = checkDir(false);
        if (bad === 'ENOENT') return { ok: true, data: null };
        if (bad) return { ok: false, error: bad };
        let fd: number;
        try {
          fd = nodeFs.openSync(file, c.O_RDONLY | c.O_NOFOLLOW);
        } catch (e) {
          if (code(e) === 'ENOENT') return { ok: true, data: null };
          throw e;
        }
        try {
          const info = nodeFs.fstatSync(fd);
          if (!info.isFile() || info.size > 1024 * 1024)
            return { ok: false, error: 'not a session file' };
          return { ok: true, data: nodeFs.readFileSync(fd).toString('base64') };
        } finally {
          nodeFs.closeSync(fd);
        }
      }
      case 'write': {
        const bad = checkDir(true);
        if (bad) return { ok: false, error: bad };
        const temp = `${file}.${random()}.tmp`;
        try {
          writeNew(temp, request.data);
          nodeFs.renameSync(temp, file);
        } catch (e) {
          try {
            nodeFs.unlinkSync(temp);
          } catch {
            // never created, or already renamed
          }
          throw e;
        }
        return { ok: true };
      }
      case 'create': {
        const bad = checkDir(true);
        if (bad) return { ok: false, error: bad };
        try {
          writeNew(file, request.data);
        } catch (e) {
          if (code(e) === 'EEXIST') return { ok: true, created: false };
          throw e;
        }
        return { ok: true, created: true };
      }
      case 'remove': {
        const bad = checkDir(false);
        if (bad === 'ENOENT') return { ok: true };
        if (bad) return { ok: false, error: bad };
        try {
          nodeFs.unlinkSync(file);
        } catch (e) {
          if (code(e) !== 'ENOENT') throw e;
        }
        return { ok: true };
      }
    }
  } catch (e) {
    return { ok: false, error: code(e) };
  }
  return { ok: false, error: 'unknown request' };
}

/** Does the requests of one session directory, in-process or as another user. */
export interface SessionFiles {
  readonly dir: string;
  /** The file's bytes, or null when it does not exist. */
  read(name: string): Promise<Buffer | null>;
  /** Replaces the file atomically (0600). */
  write(name: string, data: Uint8Array): Promise<void>;
  /** Creates the file (0600) unless it exists; false when it did. */
  create(name: string, data: Uint8Array): Promise<boolean>;
  /** Removes the file; nothing to remove is fine. */
  remove(name: string): Promise<void>;
}

export class SessionFileError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'SessionFileError';
  }
}

const random = () => Math.random().toString(36).slice(2, 12);

function unwrap(answer: FileAnswer, what: string): FileAnswer & { ok: true } {
  if (!answer.ok) throw new SessionFileError(answer.error, `${what}: ${answer.error}`);
  return answer;
}

abstract class BaseFiles implements SessionFiles {
  constructor(readonly dir: string) {}
  protected abstract perform(request: FileRequest): Promise<FileAnswer>;

  async read(name: string): Promise<Buffer | null> {
    const a = unwrap(await this.perform({ op: 'read', name }), `cannot read ${name}`);
    return typeof a.data === 'string' ? Buffer.from(a.data, 'base64') : null;
  }
  async write(name: string, data: Uint8Array): Promise<void> {
    const b64 = Buffer.from(data).toString('base64');
    unwrap(await this.perform({ op: 'write', name, data: b64 }), `cannot write ${name}`);
  }
  async create(name: string, data: Uint8Array): Promise<boolean> {
    const b64 = Buffer.from(data).toString('base64');
    const a = unwrap(
      await this.perform({ op: 'create', name, data: b64 }),
      `cannot create ${name}`,
    );
    return a.created === true;
  }
  async remove(name: string): Promise<void> {
    unwrap(await this.perform({ op: 'remove', name }), `cannot remove ${name}`);
  }
}

/** The caller's own directory: the operations run in this process. */
export class OwnFiles extends BaseFiles {
  protected perform(request: FileRequest): Promise<FileAnswer> {
    return Promise.resolve(sessionFileOp(fs, path, this.dir, request, random));
  }
}

/** The child's program: reads one JSON request on stdin, prints one JSON answer. */
const CHILD_SOURCE = `
const op = (${sessionFileOp.toString()});
let input = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (c) => { input += c; });
process.stdin.on('end', () => {
  let answer;
  try {
    const { dir, request } = JSON.parse(input);
    answer = op(require('node:fs'), require('node:path'), dir, request,
      () => require('node:crypto').randomBytes(6).toString('hex'));
  } catch (e) {
    answer = { ok: false, error: 'bad request' };
  }
  process.stdout.write(JSON.stringify(answer));
});
`;

/** Bounds on the child: it handles one small file and must never hang the CLI. */
const CHILD_TIMEOUT_MS = 15_000;
const MAX_ANSWER_BYTES = 4 * 1024 * 1024;

/** Someone else's directory (the sudo user's): each operation runs in a child as that user. */
export class UserFiles extends BaseFiles {
  constructor(
    dir: string,
    readonly uid: number,
    readonly gid: number,
  ) {
    super(dir);
  }

  protected perform(request: FileRequest): Promise<FileAnswer> {
    return new Promise((resolve) => {
      const child = spawn(process.execPath, ['-e', CHILD_SOURCE], {
        uid: this.uid,
        gid: this.gid,
        cwd: '/',
        // Nothing of root's environment: the child needs none, and NODE_OPTIONS could load code.
        env: { PATH: '/usr/bin:/bin', ELECTRON_RUN_AS_NODE: '1' },
        stdio: ['pipe', 'pipe', 'ignore'],
        timeout: CHILD_TIMEOUT_MS,
        // Its own process group: Ctrl-C in the terminal signals the CLI's group, and a save
        // cut short there would lose a refresh token the provider has already rotated.
        detached: true,
      });
      let out = '';
      let tooLong = false;
      child.stdout.setEncoding('utf8');
      child.stdout.on('data', (chunk: string) => {
        if (out.length + chunk.length > MAX_ANSWER_BYTES) {
          tooLong = true;
          child.kill('SIGKILL');
        } else out += chunk;
      });
      child.on('error', (e) => resolve({ ok: false, error: e.message }));
      child.on('close', (status) => {
        if (tooLong || status !== 0) {
          resolve({ ok: false, error: `helper process for user ${this.uid} failed` });
          return;
        }
        try {
          resolve(JSON.parse(out) as FileAnswer);
        } catch {
          resolve({ ok: false, error: 'unreadable answer' });
        }
      });
      child.stdin.on('error', () => {});
      child.stdin.end(JSON.stringify({ dir: this.dir, request }));
    });
  }
}

/**
 * Who does the file work for `dir`: under sudo (root with SUDO_UID naming
 * another user) that user, in a child process; otherwise this process.
 */
export function sessionFilesFor(dir: string, env: NodeJS.ProcessEnv = process.env): SessionFiles {
  const abs = path.resolve(dir);
  if (process.platform !== 'win32' && process.getuid?.() === 0) {
    const id = (v: string | undefined) => (v && /^\d{1,10}$/.test(v) ? Number(v) : null);
    const uid = id(env.SUDO_UID);
    const gid = id(env.SUDO_GID);
    if (uid !== null && uid > 0 && gid !== null) return new UserFiles(abs, uid, gid);
  }
  return new OwnFiles(abs);
}
