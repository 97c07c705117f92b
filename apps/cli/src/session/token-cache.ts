import { createHash } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ensurePrivateDir, writeFileAtomic } from '../files/private-files.js';
import { isStoredSession, type StoredSession } from './stored-session.js';

/** `tokens/<sha256(broker url)>.json` (0600) in the config folder, one file per broker, plus its `.lock`. */
export class TokenCache {
  readonly dir: string;
  readonly path: string;
  readonly lockPath: string;

  constructor(
    private readonly configDir: string,
    readonly broker: string,
  ) {
    this.dir = join(configDir, 'tokens');
    const name = createHash('sha256').update(broker).digest('hex');
    this.path = join(this.dir, `${name}.json`);
    this.lockPath = join(this.dir, `${name}.lock`);
  }

  /** The cached session, or undefined when there is none (a damaged file counts as none). */
  read(): StoredSession | undefined {
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    try {
      const parsed: unknown = JSON.parse(text);
      return isStoredSession(parsed) && parsed.broker === this.broker ? parsed : undefined;
    } catch {
      return undefined;
    }
  }

  write(session: StoredSession): void {
    this.ensureDir();
    writeFileAtomic(this.path, `${JSON.stringify(session, null, 2)}\n`);
  }

  remove(): void {
    rmSync(this.path, { force: true });
  }

  /** The folder must exist before the lock file can be created in it. */
  ensureDir(): void {
    ensurePrivateDir(this.configDir);
    ensurePrivateDir(this.dir);
  }
}
