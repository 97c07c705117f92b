import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CliError } from '../errors/cli-error.js';
import { ensurePrivateDir, writeFileAtomic } from '../files/private-files.js';

export interface BrokerSettings {
  /** The broker's private CA (PEM), trusted instead of the system roots when set. */
  caPem?: string;
  /** A CA file to read at each use instead (written by hand; `--broker-ca` stores the PEM itself). */
  caFile?: string;
}

export interface CliConfig {
  currentBroker?: string;
  brokers: Record<string, BrokerSettings>;
}

/** `config.json` in the config folder: which broker is current, and how to trust each broker. */
export class CliConfigStore {
  readonly path: string;

  constructor(readonly configDir: string) {
    this.path = join(configDir, 'config.json');
  }

  read(): CliConfig {
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { brokers: {} };
      throw error;
    }
    try {
      const parsed = JSON.parse(text) as Partial<CliConfig>;
      const brokers = typeof parsed.brokers === 'object' && parsed.brokers !== null ? parsed.brokers : {};
      const current = typeof parsed.currentBroker === 'string' ? parsed.currentBroker : undefined;
      return current ? { currentBroker: current, brokers } : { brokers };
    } catch {
      throw new CliError(
        'config_invalid',
        `${this.path} is not valid JSON`,
        'Fix or delete it, then run: tether login',
      );
    }
  }

  write(config: CliConfig): void {
    ensurePrivateDir(this.configDir);
    writeFileAtomic(this.path, `${JSON.stringify(config, null, 2)}\n`);
  }

  /** The PEM to trust for this broker, or undefined for the system roots. */
  caPemFor(config: CliConfig, broker: string): string | undefined {
    const settings = config.brokers[broker];
    if (!settings) return undefined;
    if (settings.caPem) return settings.caPem;
    if (!settings.caFile) return undefined;
    try {
      return readFileSync(settings.caFile, 'utf8');
    } catch {
      throw new CliError(
        'config_invalid',
        `cannot read the CA file ${settings.caFile} configured for ${broker}`,
        `Run: tether login --broker ${broker} --broker-ca <file>`,
      );
    }
  }
}
