/** A token cache as `tether login` leaves it, written straight to disk: the cached path never calls the broker. */
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export function seedWarmCache(configDir: string, broker: string): void {
  const tokens = join(configDir, 'tokens');
  mkdirSync(tokens, { recursive: true, mode: 0o700 });
  writeFileSync(
    join(configDir, 'config.json'),
    JSON.stringify({ currentBroker: broker, brokers: { [broker]: {} } }),
    {
      mode: 0o600,
    },
  );
  const hour = 3600_000;
  const session = {
    broker,
    accessToken: `eyJhbGciOiJFZERTQSJ9.${'x'.repeat(600)}.sig`,
    accessExpiresAt: new Date(Date.now() + hour).toISOString(),
    refreshToken: 'bench-refresh',
    refreshExpiresAt: new Date(Date.now() + 12 * hour).toISOString(),
    user: { username: 'bench', email: 'bench@example.com', groups: ['developers'] },
  };
  const name = createHash('sha256').update(broker).digest('hex');
  writeFileSync(join(tokens, `${name}.json`), JSON.stringify(session), { mode: 0o600 });
}
