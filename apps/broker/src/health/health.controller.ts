import { Controller, Get, HttpStatus, Res } from '@nestjs/common';
import type { Response } from 'express';
import { TunnelWarmup } from '../peers/tunnel-warmup';
import { GracefulShutdown } from '../shutdown/graceful-shutdown';

type Readiness = { status: 'ok' } | { status: 'draining' } | { status: 'warming-up'; waitingFor: string[] };

/** Liveness and readiness for the load balancer and the kubelet. */
@Controller()
export class HealthController {
  constructor(
    private readonly shutdown: GracefulShutdown,
    private readonly warmup: TunnelWarmup,
  ) {}

  @Get('healthz')
  healthz(): { status: 'ok' } {
    return { status: 'ok' };
  }

  // Not ready until the agents have dialed in, and from the first moment of a drain, so the load
  // balancer sends nothing this replica would answer with "agent not connected" or "shutting down".
  @Get('readyz')
  readyz(@Res({ passthrough: true }) res: Response): Readiness {
    if (!this.shutdown.drain.ready) {
      res.status(HttpStatus.SERVICE_UNAVAILABLE);
      return { status: 'draining' };
    }
    if (!this.warmup.ready) {
      res.status(HttpStatus.SERVICE_UNAVAILABLE);
      return { status: 'warming-up', waitingFor: this.warmup.waitingFor() };
    }
    return { status: 'ok' };
  }
}
