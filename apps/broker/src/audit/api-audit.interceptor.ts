import { randomUUID } from 'node:crypto';
import {
  applyDecorators,
  type CallHandler,
  type ExecutionContext,
  Inject,
  Injectable,
  type NestInterceptor,
  SetMetadata,
  UseInterceptors,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import {
  AUDIT_SCHEMA_VERSION,
  type AuditDecision,
  type AuditSink,
  microTimeOf,
  tetherAnnotations,
} from '@tether/audit';
import type { Request, Response } from 'express';
import { type Observable, tap } from 'rxjs';
import { bearerToken } from '../auth/bearer-token';
import { SessionTokens } from '../auth/session-tokens';
import { AUDIT_SINK, BROKER_INSTANCE } from './audit.providers';

const AUDITED_RESOURCE = 'tether:audited-resource';

/**
 * Puts every change made through a controller's routes (access requests, cluster enrollment) on the
 * audit record, as `tether.dev` resources, with the answer's status. Reads (GET) are not recorded.
 */
export const AuditedApi = (resource: 'accessrequests' | 'clusters') =>
  applyDecorators(SetMetadata(AUDITED_RESOURCE, resource), UseInterceptors(ApiAuditInterceptor));

interface AnsweredBody {
  request?: { id?: string; cluster?: string };
}

@Injectable()
export class ApiAuditInterceptor implements NestInterceptor {
  constructor(
    private readonly reflector: Reflector,
    private readonly tokens: SessionTokens,
    @Inject(AUDIT_SINK) private readonly sink: AuditSink,
    @Inject(BROKER_INSTANCE) private readonly instance: string,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const req = context.switchToHttp().getRequest<Request>();
    const res = context.switchToHttp().getResponse<Response>();
    const resource = this.reflector.get<string>(AUDITED_RESOURCE, context.getClass());
    if (req.method === 'GET' || !resource) return next.handle();
    const receivedAt = new Date();
    let answered: AnsweredBody = {};
    res.once('finish', () => void this.record(req, res.statusCode, resource, answered, receivedAt));
    return next.handle().pipe(
      tap((body: unknown) => {
        if (typeof body === 'object' && body !== null) answered = body as AnsweredBody;
      }),
    );
  }

  private async record(
    req: Request,
    code: number,
    resource: string,
    answered: AnsweredBody,
    receivedAt: Date,
  ): Promise<void> {
    const who = await this.tokens.verify(bearerToken(req.headers.authorization)).catch(() => undefined);
    const params = req.params as Record<string, string | undefined>;
    const name = params.id ?? params.name ?? answered.request?.id;
    const action = /\/(approve|deny|revoke|rotate)$/.exec(req.path)?.[1];
    const verb = req.method === 'DELETE' ? 'delete' : action === undefined ? 'create' : 'update';
    const cluster = resource === 'clusters' ? (name ?? '') : (answered.request?.cluster ?? '');
    const decision: AuditDecision = code < 400 ? 'allow' : code === 403 ? 'deny' : 'reject';
    const annotations: Record<string, string> = {
      [tetherAnnotations.schemaVersion]: AUDIT_SCHEMA_VERSION,
      [tetherAnnotations.cluster]: cluster,
      [tetherAnnotations.decision]: decision,
      [tetherAnnotations.brokerInstance]: this.instance,
    };
    if (resource === 'accessrequests' && name) annotations[tetherAnnotations.jitRequestId] = name;
    const userAgent = req.headers['user-agent'];
    this.sink.publish({
      kind: 'Event',
      apiVersion: 'audit.k8s.io/v1',
      level: 'Metadata',
      auditID: randomUUID(),
      stage: 'ResponseComplete',
      requestURI: req.originalUrl.slice(0, 2048),
      verb,
      user: who ? { username: who.username, groups: who.groups } : { username: 'system:anonymous' },
      sourceIPs: [req.socket.remoteAddress ?? ''],
      ...(userAgent ? { userAgent: userAgent.slice(0, 256) } : {}),
      objectRef: {
        apiGroup: 'tether.dev',
        resource,
        ...(name ? { name } : {}),
        ...(action ? { subresource: action } : {}),
      },
      responseStatus: { metadata: {}, code },
      requestReceivedTimestamp: microTimeOf(receivedAt),
      stageTimestamp: microTimeOf(new Date()),
      annotations,
    });
  }
}
