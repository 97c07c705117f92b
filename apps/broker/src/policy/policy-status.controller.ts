import { Controller, Get, Headers, UseFilters } from '@nestjs/common';
import { AuthErrorFilter } from '../auth/auth-error.filter';
import { bearerToken } from '../auth/bearer-token';
import { SessionTokens } from '../auth/session-tokens';
import { BrokerPolicy, type PolicyStatusView } from './broker-policy';

/** Which policy is in force, and why an edited file was not taken up (with every issue and its line). */
@Controller('api/policy')
@UseFilters(AuthErrorFilter)
export class PolicyStatusController {
  constructor(
    private readonly policy: BrokerPolicy,
    private readonly tokens: SessionTokens,
  ) {}

  @Get('status')
  async status(@Headers('authorization') authorization: string | undefined): Promise<PolicyStatusView> {
    await this.tokens.verify(bearerToken(authorization));
    return this.policy.status();
  }
}
