// The spool's checkpoint: how far delivery got, as a segment and a byte offset in it, in a small JSON
// file replaced atomically (write a temporary file, fsync it, rename over, fsync the directory), so a
// crash leaves either the old checkpoint or the new one, never half of one.
import { open, readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';

export const CHECKPOINT_FILE = 'checkpoint.json';

export interface SpoolCheckpoint {
  segment: number;
  offset: number;
}

export async function writeCheckpoint(dir: string, checkpoint: SpoolCheckpoint): Promise<void> {
  const file = join(dir, CHECKPOINT_FILE);
  const temporary = `${file}.tmp`;
  const handle = await open(temporary, 'w');
  try {
    await handle.writeFile(`${JSON.stringify(checkpoint)}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temporary, file);
  await syncDirectory(dir);
}

/** The checkpoint, undefined when there is none; throws when it exists but cannot be understood. */
export async function readCheckpoint(dir: string): Promise<SpoolCheckpoint | undefined> {
  let text: string;
  try {
    text = await readFile(join(dir, CHECKPOINT_FILE), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const value = JSON.parse(text) as Partial<SpoolCheckpoint>;
  if (!isCount(value.segment) || !isCount(value.offset)) {
    throw new Error(`checkpoint ${JSON.stringify(text.trim())} is not {segment, offset}`);
  }
  return { segment: value.segment, offset: value.offset };
}

/** Makes a rename, creation or deletion in `dir` durable. */
export async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

function isCount(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) >= 0;
}
