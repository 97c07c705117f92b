import { Body, Controller, Delete, Headers, HttpCode, Param, Post, UseFilters } from '@nestjs/common';
import type { PolicyUser } from '@tether/policy';
import { AuthErrorFilter } from '../auth/auth-error.filter';
import { bearerToken } from '../auth/bearer-token';
import { SessionTokens } from '../auth/session-tokens';
import { EnrollmentErrorFilter } from './enrollment-error.filter';
import { type JoinTokenGrant, EnrollmentService } from './enrollment.service';
import { AuditedApi } from '../audit/api-audit.interceptor';

/** `tether cluster add|rm|rotate`, for members of TETHER_BROKER_ADMIN_GROUPS. */
@AuditedApi('clusters')
@Controller('api/clusters')
@UseFilters(AuthErrorFilter, EnrollmentErrorFilter)
export class ClusterAdminController {
  constructor(
    private readonly tokens: SessionTokens,
    private readonly enrollment: EnrollmentService,
  ) {}

  @Post()
  async add(
    @Headers('authorization') authorization: string | undefined,
    @Body() body: unknown,
  ): Promise<JoinTokenGrant> {
    return this.enrollment.addCluster(await this.who(authorization), body);
  }

  @Delete(':name')
  async remove(
    @Headers('authorization') authorization: string | undefined,
    @Param('name') name: string,
  ): Promise<{ removed: string; tunnelsClosed: number }> {
    const result = await this.enrollment.removeCluster(await this.who(authorization), name);
    return { removed: result.name, tunnelsClosed: result.tunnelsClosed };
  }

  @Post(':name/rotate')
  @HttpCode(200)
  async rotate(
    @Headers('authorization') authorization: string | undefined,
    @Param('name') name: string,
    @Body() body: unknown,
  ): Promise<JoinTokenGrant & { credentialsRevoked: number }> {
    return this.enrollment.rotate(await this.who(authorization), name, body);
  }

  private async who(authorization: string | undefined): Promise<PolicyUser> {
    const identity = await this.tokens.verify(bearerToken(authorization));
    return { username: identity.username, email: identity.email, groups: identity.groups };
  }
}
