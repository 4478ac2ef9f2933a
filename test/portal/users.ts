// The test accounts the provider signs in: built-in defaults, or a JSON file given with
// --users: [{ "id": "ann", "password": "…", "name": "Ann", "email": "ann@…", "vpn": true }].
import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { z } from 'zod';

const UserSchema = z.object({
  id: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/),
  password: z.string().min(1),
  name: z.string().min(1),
  email: z.string().min(3),
  /** Whether the user may use the VPN; false makes the API answer 403 forbidden. */
  vpn: z.boolean(),
});
export type User = z.infer<typeof UserSchema>;

export const DEFAULT_USERS: readonly User[] = [
  {
    id: 'ann',
    password: 'correct-horse',
    name: 'Ann Example',
    email: 'ann@example.com',
    vpn: true,
  },
  {
    id: 'bob',
    password: 'battery-staple',
    name: 'Bob Example',
    email: 'bob@example.com',
    vpn: false,
  },
];

export class Users {
  private readonly byId: Map<string, User>;

  constructor(users: readonly User[]) {
    this.byId = new Map(users.map((u) => [u.id, u]));
  }

  static fromFile(file: string): Users {
    const parsed = z
      .array(UserSchema)
      .min(1)
      .safeParse(JSON.parse(readFileSync(file, 'utf8')));
    if (!parsed.success) throw new Error(`${file} is not a valid users file`);
    return new Users(parsed.data);
  }

  get(id: string): User | undefined {
    return this.byId.get(id);
  }

  /** The user if the password matches; compared in constant time (of equal-length hashes). */
  authenticate(id: string, password: string): User | undefined {
    const user = this.byId.get(id);
    const want = sha256(user?.password ?? '\0no such user');
    const ok = timingSafeEqual(want, sha256(password));
    return user !== undefined && ok ? user : undefined;
  }
}

function sha256(s: string): Buffer {
  return createHash('sha256').update(s, 'utf8').digest();
}
