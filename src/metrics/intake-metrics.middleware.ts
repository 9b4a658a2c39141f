import type { ServerResponse } from 'node:http';
import { Injectable, type NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { ActionRegistry } from '../actions/action-registry.service';
import { MetricsService } from './metrics.service';

/**
 * Times one intake request and counts it by action and status once its answer is sent. Unknown
 * names share one label so callers cannot grow the series without bound. Used by the Nest route
 * (through the middleware below) and by the intake fast lane.
 */
export function observeIntake(
  metrics: MetricsService,
  registry: ActionRegistry,
  actionName: string,
  res: ServerResponse,
): void {
  const action = registry.get(actionName) ? actionName : 'unknown';
  const stop = metrics.intakeLatency.startTimer({ action });
  res.once('finish', () => {
    stop();
    metrics.intakeRequests.inc({ action, status: String(res.statusCode) });
  });
}

/**
 * observeIntake for the intake fast lane, which times the request itself and calls this once its
 * answer is sent: no timer closure and no second `finish` listener per click.
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
  constructor(
    private readonly metrics: MetricsService,
    private readonly registry: ActionRegistry,
  ) {}

  use(req: Request, res: Response, next: NextFunction): void {
    const match = /^\/actions\/([^/?]+)/.exec(req.originalUrl);
    if (req.method === 'POST' && match) observeIntake(this.metrics, this.registry, match[1], res);
    next();
  }
}
