import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { followPrintedCommands, NpmStartSession, repoRoot } from './npm-start-session';

// The README's run command as a new user meets it: start, follow the printed commands, Ctrl-C.
describe('npm start', () => {
  let session: NpmStartSession;

  beforeAll(async () => {
    session = await NpmStartSession.start();
    expect(session.printed).toContain('Tether is running');
  });
  afterAll(() => session?.dispose());

  it("is what the README's quick start says, with the default state folder and port", () => {
    const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
    const quickStart = /## Quick start[\s\S]*?```sh\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
    const asDefaults = session
      .commands()
      .map((line) =>
        line
          .split(relative(repoRoot, session.stateDir))
          .join('.tether')
          .replace(`https://127.0.0.1:${session.brokerPort}`, 'https://127.0.0.1:8443'),
      );
    expect(quickStart.trim().split('\n')).toEqual(asDefaults);
  });

  it('prints commands that work exactly as printed, including the denial it announces', async () => {
    await followPrintedCommands(session);
  });

  it('stops every process it started on Ctrl-C', async () => {
    expect(await session.interrupt()).toBe(true);
  });
});
