import { createHash, timingSafeEqual } from 'node:crypto';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import { Logger, type INestApplication } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import type { BlockList } from 'node:net';
import { AppConfig } from '../config/app.config';
import type { Env } from '../config/config.module';
import { addressAllowed, loadEdgeConfig } from '../edge/edge.config';
import { JobQueues } from '../queues/job-queues.service';

export const BOARD_PATH = '/admin/queues';

/**
 * Bull Board for the pipeline team: every queue, behind basic auth. Production refuses to
 * start without a password (see AppConfig); elsewhere an unset password leaves it open, loudly.
 */
export function mountDashboard(app: INestApplication, env: Env = process.env): void {
  const config = app.get(AppConfig);
  const queues = app.get(JobQueues);
  const serverAdapter = new ExpressAdapter();
  serverAdapter.setBasePath(BOARD_PATH);
  createBullBoard({
    queues: queues.all().map((queue) => new BullMQAdapter(queue)),
    serverAdapter,
    options: { uiConfig: { boardTitle: 'Kitsu Actions' } },
  });
  const password = config.BOARD_PASSWORD;
  if (!password) {
    new Logger('Dashboard').warn(
      `Bull Board at ${BOARD_PATH} is open to anyone: set BOARD_USER and BOARD_PASSWORD`,
    );
  }
  const guard = password ? basicAuth(config.BOARD_USER ?? 'admin', password) : passThrough;
  const allowList = loadEdgeConfig(env).boardAllowList;
  const byAddress = allowList ? onlyFrom(allowList) : passThrough;
  app.use(BOARD_PATH, byAddress, guard, serverAdapter.getRouter());
}

/** BOARD_ALLOW_IPS: other addresses get a 403 before the credentials are even asked for. */
function onlyFrom(list: BlockList) {
  return (req: Request, res: Response, next: NextFunction): void => {
    if (addressAllowed(list, req.ip)) return next();
    res.status(403).json({
      statusCode: 403,
      error: 'Forbidden',
      message: 'The dashboard is not open to this address (BOARD_ALLOW_IPS)',
    });
  };
}

function passThrough(_req: Request, _res: Response, next: NextFunction): void {
  next();
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

export function basicAuth(user: string, password: string) {
  const expected = digest(`${user}:${password}`);
  return (req: Request, res: Response, next: NextFunction): void => {
    const header = req.headers.authorization ?? '';
    const match = /^Basic ([A-Za-z0-9+/=]+)$/.exec(header);
    const given = match ? Buffer.from(match[1], 'base64').toString('utf8') : '';
    // Hashing first gives equal lengths, so the comparison takes the same time for any guess.
    if (match && timingSafeEqual(digest(given), expected)) return next();
    res.setHeader('WWW-Authenticate', 'Basic realm="Kitsu Actions dashboard", charset="UTF-8"');
    res
      .status(401)
      .json({ statusCode: 401, error: 'Unauthorized', message: 'Dashboard credentials required' });
  };
}
