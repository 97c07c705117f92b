import {
  Body,
  Controller,
  Get,
  Headers,
  HttpCode,
  Inject,
  Post,
  Query,
  Req,
  Res,
  UseFilters,
} from '@nestjs/common';
import type { BrokerConfig } from '@tether/config';
import type { Request, Response } from 'express';
import { brokerIssuer } from '../broker-core.providers';
import { BROKER_CONFIG } from '../broker-config.provider';
import { AuthErrorFilter } from './auth-error.filter';
import { AuthError } from './auth.errors';
import { bearerToken } from './bearer-token';
import { SessionStore } from './session-store';
import { SessionTokens } from './session-tokens';
import { SignIn } from './sign-in.provider';

const deviceGrant = 'urn:ietf:params:oauth:grant-type:device_code';

/** Sign-in endpoints for the CLI (docs/identity.md describes the flows). */
@Controller()
@UseFilters(AuthErrorFilter)
export class AuthController {
  constructor(
    @Inject(BROKER_CONFIG) private readonly config: BrokerConfig,
    private readonly signIn: SignIn,
    private readonly tokens: SessionTokens,
    private readonly sessions: SessionStore,
  ) {}

  @Get('auth/config')
  authConfig(): Record<string, unknown> {
    return {
      issuer: brokerIssuer(this.config),
      signInEnabled: this.signIn.enabled,
      devMode: this.config.DEV_MODE,
      clientId: 'tether-cli',
      accessTokenTtlSeconds: this.config.ACCESS_TOKEN_TTL_SECONDS,
      ...(this.config.OIDC_ISSUER ? { idpIssuer: this.config.OIDC_ISSUER } : {}),
      // Absent: the broker serves the audit API itself (embedded store).
      ...(this.config.AUDITOR_URL ? { auditUrl: this.config.AUDITOR_URL.replace(/\/+$/, '') } : {}),
    };
  }

  @Get('auth/login')
  async login(@Query() query: Record<string, unknown>, @Res() res: Response): Promise<void> {
    res.redirect(302, await (await this.signIn.get()).startBrowserLogin(query));
  }

  @Get('auth/callback')
  async callback(@Req() req: Request, @Res() res: Response): Promise<void> {
    const callbackUrl = new URL(req.originalUrl, brokerIssuer(this.config));
    res.redirect(302, await (await this.signIn.get()).finishBrowserLogin(callbackUrl));
  }

  @Post('auth/token')
  @HttpCode(200)
  async token(@Body() body: Record<string, unknown> | undefined): Promise<unknown> {
    const params = body ?? {};
    const service = await this.signIn.get();
    switch (params.grant_type) {
      case 'authorization_code':
        return service.redeemCode(params);
      case 'refresh_token':
        return service.refresh(params);
      case deviceGrant:
        return service.pollDeviceLogin(params);
      default:
        throw new AuthError(
          'unsupported_grant_type',
          `grant_type must be authorization_code, refresh_token or ${deviceGrant}`,
        );
    }
  }

  @Post('auth/device')
  @HttpCode(200)
  async device(): Promise<unknown> {
    return (await this.signIn.get()).startDeviceLogin();
  }

  @Post('auth/revoke')
  @HttpCode(200)
  async revoke(@Body() body: Record<string, unknown> | undefined): Promise<Record<string, never>> {
    await (await this.signIn.get()).logout(body ?? {});
    return {};
  }

  @Get('auth/whoami')
  async whoami(@Headers('authorization') authorization: string | undefined): Promise<unknown> {
    const who = await this.tokens.verify(bearerToken(authorization));
    const session = await this.sessions.get(who.sessionId);
    return {
      username: who.username,
      ...(who.email ? { email: who.email } : {}),
      groups: who.groups,
      expiresAt: new Date(who.expiresAt * 1000).toISOString(),
      ...(session ? { sessionExpiresAt: new Date(session.expiresAtMs).toISOString() } : {}),
    };
  }

  @Get('.well-known/jwks.json')
  jwks(): { keys: unknown[] } {
    return { keys: [this.tokens.publicJwk()] };
  }
}
