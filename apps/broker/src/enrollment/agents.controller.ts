import { Body, Controller, Headers, HttpCode, Post, UseFilters } from '@nestjs/common';
import { bearerToken } from '../auth/bearer-token';
import { EnrollmentErrorFilter } from './enrollment-error.filter';
import { type CredentialGrant, EnrollmentService } from './enrollment.service';

/** Agents, without a person's session: the join token or the current credential is the bearer token. */
@Controller('api/agents')
@UseFilters(EnrollmentErrorFilter)
export class AgentsController {
  constructor(private readonly enrollment: EnrollmentService) {}

  @Post('join')
  @HttpCode(200)
  join(
    @Headers('authorization') authorization: string | undefined,
    @Body() body: unknown,
  ): Promise<CredentialGrant> {
    return this.enrollment.join(bearerToken(authorization), body);
  }

  @Post('credential/rotate')
  @HttpCode(200)
  rotate(@Headers('authorization') authorization: string | undefined): Promise<CredentialGrant> {
    return this.enrollment.rotateCredential(bearerToken(authorization));
  }
}
