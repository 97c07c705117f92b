import { Body, Controller, Get, Headers, HttpCode, Param, Post, UseFilters } from '@nestjs/common';
import type { PolicyUser } from '@tether/policy';
import { AuthErrorFilter } from '../auth/auth-error.filter';
import { bearerToken } from '../auth/bearer-token';
import { SessionTokens } from '../auth/session-tokens';
import { AccessRequestErrorFilter } from './access-request-error.filter';
import { AccessRequestService, type AccessRequestView } from './access-request.service';
import { AuditedApi } from '../audit/api-audit.interceptor';

/** `tether access ...`: request a just-in-time role, list, approve, deny and revoke requests. */
@AuditedApi('accessrequests')
@Controller('api/access-requests')
@UseFilters(AuthErrorFilter, AccessRequestErrorFilter)
export class AccessRequestsController {
  constructor(
    private readonly tokens: SessionTokens,
    private readonly requests: AccessRequestService,
  ) {}

  @Post()
  async create(
    @Headers('authorization') authorization: string | undefined,
    @Body() body: unknown,
  ): Promise<{ request: AccessRequestView }> {
    return { request: await this.requests.create(await this.who(authorization), body) };
  }

  @Get()
  async list(
    @Headers('authorization') authorization: string | undefined,
  ): Promise<{ requests: AccessRequestView[] }> {
    return { requests: await this.requests.list(await this.who(authorization)) };
  }

  @Post(':id/approve')
  @HttpCode(200)
  async approve(
    @Headers('authorization') authorization: string | undefined,
    @Param('id') id: string,
  ): Promise<{ request: AccessRequestView }> {
    return { request: await this.requests.approve(await this.who(authorization), id) };
  }

  @Post(':id/deny')
  @HttpCode(200)
  async deny(
    @Headers('authorization') authorization: string | undefined,
    @Param('id') id: string,
  ): Promise<{ request: AccessRequestView }> {
    return { request: await this.requests.deny(await this.who(authorization), id) };
  }

  @Post(':id/revoke')
  @HttpCode(200)
  async revoke(
    @Headers('authorization') authorization: string | undefined,
    @Param('id') id: string,
  ): Promise<{ request: AccessRequestView }> {
    return { request: await this.requests.revoke(await this.who(authorization), id) };
  }

  private async who(authorization: string | undefined): Promise<PolicyUser> {
    const identity = await this.tokens.verify(bearerToken(authorization));
    return { username: identity.username, email: identity.email, groups: identity.groups };
  }
}
