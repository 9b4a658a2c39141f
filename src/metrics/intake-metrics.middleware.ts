import type { ServerResponse } from 'node:http';
import { Injectable, type NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { ActionRegistry } from '../actions/action-registry.service';
import { MetricsService } from './metrics.service';

/**
 * Records one intake request once its answer is sent: its time, and a count by action and status.
 * Unknown names share one label so callers cannot grow the series without bound. The caller times
 * the request: the intake fast lane from its own clock reading, the Nest route below.
 */
export function intakeRecorder(
  metrics: MetricsService,
  registry: ActionRegistry,
): (actionName: string, res: ServerResponse, seconds: number) => void {
  return (actionName, res, seconds) => {
    const action = registry.get(actionName) ? actionName : 'unknown';
    metrics.intakeLatency.observe({ action }, seconds);
    metrics.intakeRequests.inc({ action, status: String(res.statusCode) });
  };
}

/** Counts and times every POST /actions/... that reaches the Nest route, whatever the outcome. */
@Injectable()
export class IntakeMetricsMiddleware implements NestMiddleware {
  private readonly record: ReturnType<typeof intakeRecorder>;

  constructor(metrics: MetricsService, registry: ActionRegistry) {
    this.record = intakeRecorder(metrics, registry);
  }

  use(req: Request, res: Response, next: NextFunction): void {
    const match = /^\/actions\/([^/?]+)/.exec(req.originalUrl);
    if (req.method === 'POST' && match) {
      const startedAt = process.hrtime.bigint();
      res.once('finish', () =>
        this.record(match[1], res, Number(process.hrtime.bigint() - startedAt) / 1e9),
      );
    }
    next();
  }
}
