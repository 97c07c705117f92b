import { Inject, Module, type OnModuleDestroy } from '@nestjs/common';
import type { BrokerConfig } from '@tether/config';
import type { Logger } from 'pino';
import { BROKER_CONFIG } from '../broker-config.provider';
import { ROOT_LOGGER } from '../broker-core.providers';
import { ChangeFeed } from '../change-feed/change-feed';
import { BrokerPolicy } from './broker-policy';
import { PolicyStatusController } from './policy-status.controller';

@Module({
  controllers: [PolicyStatusController],
  providers: [
    {
      provide: BrokerPolicy,
      // Loaded before the broker listens, so the first request already meets the policy (or its error).
      // A replica that sees a new version tells the others, which re-read their copy of the file now.
      useFactory: async (config: BrokerConfig, logger: Logger, feed: ChangeFeed) => {
        const policy = new BrokerPolicy({
          path: config.POLICY_FILE,
          logger,
          onNewVersion: (version) => feed.publish({ type: 'policy-reload', version }),
        });
        await policy.start();
        feed.on('policy-reload', ({ version }) => {
          if (version !== undefined && policy.status().version === version) return;
          policy
            .reload()
            .catch((error: unknown) => logger.warn({ err: error }, 'could not re-read the policy'));
        });
        return policy;
      },
      inject: [BROKER_CONFIG, ROOT_LOGGER, ChangeFeed],
    },
  ],
  exports: [BrokerPolicy],
})
export class PolicyModule implements OnModuleDestroy {
  constructor(@Inject(BrokerPolicy) private readonly policy: BrokerPolicy) {}

  onModuleDestroy(): void {
    this.policy.stop();
  }
}
