import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { AuditStore } from '@tether/audit';
import type { AuditorConfig } from '@tether/config';
import type { Logger } from 'pino';
import { AUDITOR_CONFIG, ROOT_LOGGER } from '../auditor-config.provider';

const everyMs = 60 * 60_000;

/** Deletes events older than the retention period, at start and hourly, in small batches. */
@Injectable()
export class RetentionService implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly store: AuditStore,
    @Inject(AUDITOR_CONFIG) private readonly config: AuditorConfig,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap(): void {
    void this.run();
    this.timer = setInterval(() => void this.run(), everyMs);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  private async run(): Promise<void> {
    const cutoff = new Date(Date.now() - this.config.RETENTION_DAYS * 24 * 60 * 60_000);
    try {
      const deleted = await this.store.deleteOlderThan(cutoff);
      if (deleted > 0) this.logger.info({ deleted, before: cutoff.toISOString() }, 'audit retention');
    } catch (error) {
      this.logger.error({ err: error }, 'audit retention failed; will try again in an hour');
    }
  }
}
