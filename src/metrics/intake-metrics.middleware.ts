import { Injectable, type NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { ActionRegistry } from '../actions/action-registry.service';
import { MetricsService } from './metrics.service';

/** Counts and times every POST /actions/... once its answer is sent, whatever the outcome. */
@Injectable()
export class IntakeMetricsMiddleware implements NestMiddleware {
  constructor(
    private readonly metrics: MetricsService,
    private readonly registry: ActionRegistry,
  ) {}

  use(req: Request, res: Response, next: NextFunction): void {
    const match = /^\/actions\/([^/?]+)/.exec(req.originalUrl);
    if (req.method === 'POST' && match) {
      // Unknown names share one label so callers cannot grow the series without bound.
      const action = this.registry.get(match[1]) ? match[1] : 'unknown';
      const stop = this.metrics.intakeLatency.startTimer({ action });
      res.once('finish', () => {
        stop();
        this.metrics.intakeRequests.inc({ action, status: String(res.statusCode) });
      });
    }
    next();
  }
}
