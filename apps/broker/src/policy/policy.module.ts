import { Inject, Module, type OnModuleDestroy } from '@nestjs/common';
import type { BrokerConfig } from '@tether/config';
import type { Logger } from 'pino';
import { BROKER_CONFIG } from '../broker-config.provider';
import { ROOT_LOGGER } from '../broker-core.providers';
import { BrokerPolicy } from './broker-policy';
import { PolicyStatusController } from './policy-status.controller';

@Module({
  controllers: [PolicyStatusController],
  providers: [
    {
      provide: BrokerPolicy,
      // Loaded before the broker listens, so the first request already meets the policy (or its error).
      useFactory: async (config: BrokerConfig, logger: Logger) => {
        const policy = new BrokerPolicy({ path: config.POLICY_FILE, logger });
        await policy.start();
        return policy;
      },
      inject: [BROKER_CONFIG, ROOT_LOGGER],
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
