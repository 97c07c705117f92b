import {
  mkdtempSync,
  openSync,
  readFileSync,
  readSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeFileAtomic } from './private-files.js';

describe('writing private files atomically', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'tether-files-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('swaps in a whole new file: a reader that opened the old one still reads all of the old content', () => {
    const path = join(dir, 'tokens.json');
    writeFileSync(path, '{"old":true}', { mode: 0o644 });
    const reader = openSync(path, 'r');
    writeFileAtomic(path, '{"new":true}');
    const buffer = Buffer.alloc(64);
    const n = readSync(reader, buffer, 0, 64, 0);
    expect(buffer.subarray(0, n).toString()).toBe('{"old":true}');
    expect(readFileSync(path, 'utf8')).toBe('{"new":true}');
  });

  it('leaves the file readable by its owner only, even over a world-readable one, and no temp files', () => {
    const path = join(dir, 'config.json');
    writeFileSync(path, 'x', { mode: 0o644 });
    writeFileAtomic(path, 'y');
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readdirSync(dir)).toEqual(['config.json']);
  });
});
