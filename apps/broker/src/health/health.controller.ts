import { Controller, Get, HttpStatus, Res } from '@nestjs/common';
import type { Response } from 'express';
import { GracefulShutdown } from '../shutdown/graceful-shutdown';

/** Liveness and readiness for the load balancer and the kubelet. */
@Controller()
export class HealthController {
  constructor(private readonly shutdown: GracefulShutdown) {}

  @Get('healthz')
  healthz(): { status: 'ok' } {
    return { status: 'ok' };
  }

  // Not ready from the first moment of a drain, so the load balancer stops sending here first.
  @Get('readyz')
  readyz(@Res({ passthrough: true }) res: Response): { status: 'ok' | 'draining' } {
    if (this.shutdown.drain.ready) return { status: 'ok' };
    res.status(HttpStatus.SERVICE_UNAVAILABLE);
    return { status: 'draining' };
  }
}
