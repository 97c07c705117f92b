import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { type CredentialStore, parseStoredCredential, type StoredCredential } from './credential-store';

/**
 * The credential in a JSON file only its owner may read (0600), for agents outside a cluster. Written
 * to a temporary file in the same folder, synced, then renamed over the old one: a crash leaves the old
 * credential or the new one, never half of either.
 */
export class FileCredentialStore implements CredentialStore {
  readonly description: string;

  constructor(private readonly path: string) {
    this.description = `file ${path}`;
  }

  async read(): Promise<StoredCredential | undefined> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    if (text.trim() === '') return undefined;
    try {
      return parseStoredCredential(JSON.parse(text) as Record<string, unknown>);
    } catch {
      throw new Error(`${this.description} does not hold a Tether agent credential (not JSON)`);
    }
  }

  async write(credential: StoredCredential): Promise<void> {
    const folder = dirname(this.path);
    await mkdir(folder, { recursive: true, mode: 0o700 });
    const temporary = join(folder, `.${basename(this.path)}.${randomBytes(6).toString('hex')}.tmp`);
    const file = await open(temporary, 'wx', 0o600);
    try {
      await file.writeFile(`${JSON.stringify(credential)}\n`);
      await file.sync();
    } finally {
      await file.close();
    }
    try {
      await rename(temporary, this.path);
    } catch (error) {
      await rm(temporary, { force: true });
      throw error;
    }
  }
}
