import { Body, Controller, Headers, HttpCode, Post, Req, UseFilters } from '@nestjs/common';
import type { Request } from 'express';
import { bearerToken } from '../auth/bearer-token';
import { EnrollmentErrorFilter } from './enrollment-error.filter';
import { EnrollmentError } from './enrollment.errors';
import { type CredentialGrant, EnrollmentService } from './enrollment.service';
import { RefusalLimiter } from './refusal-limiter';

/** Agents, without a person's session: the join token or the current credential is the bearer token. */
@Controller('api/agents')
@UseFilters(EnrollmentErrorFilter)
export class AgentsController {
  private readonly limiter = new RefusalLimiter();

  constructor(private readonly enrollment: EnrollmentService) {}

  @Post('join')
  @HttpCode(200)
  join(
    @Req() request: Request,
    @Headers('authorization') authorization: string | undefined,
    @Body() body: unknown,
  ): Promise<CredentialGrant> {
    return this.limited(request, () => this.enrollment.join(bearerToken(authorization), body));
  }

  @Post('credential/rotate')
  @HttpCode(200)
  rotate(
    @Req() request: Request,
    @Headers('authorization') authorization: string | undefined,
  ): Promise<CredentialGrant> {
    return this.limited(request, () => this.enrollment.rotateCredential(bearerToken(authorization)));
  }

  private async limited(request: Request, call: () => Promise<CredentialGrant>): Promise<CredentialGrant> {
    const address = request.socket.remoteAddress ?? 'unknown';
    this.limiter.check(address);
    try {
      return await call();
    } catch (error) {
      if (error instanceof EnrollmentError && error.status === 401) this.limiter.refused(address);
      throw error;
    }
  }
}
