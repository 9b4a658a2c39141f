import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import { Logger, type INestApplication } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { BlockList } from 'node:net';
import { AppConfig } from '../config/app.config';
import { crossSiteRefusal, CrossSiteGuard, type CrossSitePolicy } from '../edge/cross-site';
import { EdgeConfig, addressAllowed } from '../edge/edge.config';
import { reasonPhrase, sendError } from '../http/http-errors';
import { BoardLogin, type BoardVerdict } from './board-login';
import { JobQueues } from '../queues/job-queues.service';

export const BOARD_PATH = '/admin/queues';

/**
 * Bull Board for the pipeline team: every queue, behind basic auth (BoardLogin, which slows
 * guessing). Production refuses to start without a password (see AppConfig); elsewhere an unset
 * password leaves it open, loudly.
 */
export function mountDashboard(app: INestApplication): void {
  const config = app.get(AppConfig);
  const queues = app.get(JobQueues);
  const serverAdapter = new ExpressAdapter();
  serverAdapter.setBasePath(BOARD_PATH);
  createBullBoard({
    queues: queues.all().map((queue) => new BullMQAdapter(queue)),
    serverAdapter,
    options: { uiConfig: { boardTitle: 'Kitsu Actions' } },
  });
  if (!config.BOARD_PASSWORD) {
    new Logger('Dashboard').warn(
      `Bull Board at ${BOARD_PATH} is open to anyone: set BOARD_USER and BOARD_PASSWORD`,
    );
  }
  const allowList = app.get(EdgeConfig).boardAllowList;
  const byAddress = allowList ? onlyFrom(allowList) : passThrough;
  app.use(
    BOARD_PATH,
    byAddress,
    sameSiteWrites(app.get(CrossSiteGuard).policy),
    boardAuth(app.get(BoardLogin)),
    serverAdapter.getRouter(),
  );
}

/**
 * The board's buttons (retry, clean, pause, remove) change queues, and a browser resends cached
 * basic-auth credentials whichever page asks: writes from another origin are refused as the
 * intake refuses them. The board's own page calls from our origin and is not concerned.
 */
function sameSiteWrites(policy: CrossSitePolicy) {
  return (req: Request, res: Response, next: NextFunction): void => {
    if (req.method === 'GET' || req.method === 'HEAD' || req.method === 'OPTIONS') return next();
    const reason = crossSiteRefusal(req.headers, policy);
    if (!reason) return next();
    sendError(req, res, {
      statusCode: 403,
      error: reasonPhrase(403),
      message: `Cross-site request refused: ${reason}`,
      rule: 'cross-site',
    });
  };
}

/** BOARD_ALLOW_IPS: other addresses get a 403 before the credentials are even asked for. */
function onlyFrom(list: BlockList) {
  return (req: Request, res: Response, next: NextFunction): void => {
    if (addressAllowed(list, req.ip)) return next();
    sendError(req, res, {
      statusCode: 403,
      error: reasonPhrase(403),
      message: 'The dashboard is not open to this address (BOARD_ALLOW_IPS)',
    });
  };
}

function passThrough(_req: Request, _res: Response, next: NextFunction): void {
  next();
}

/** Basic auth through BoardLogin: failures are counted per address (429 past the budget) and logged. */
export function boardAuth(login: BoardLogin) {
  return (req: Request, res: Response, next: NextFunction): void => {
    login.check(req, req.ip).then(
      (verdict) => {
        if (verdict.kind === 'open' || verdict.kind === 'granted') return next();
        answerBoardRefusal(req, res, verdict);
      },
      (error: unknown) => next(error),
    );
  };
}

/** 401 with the basic-auth challenge, or 429 with Retry-After for a locked-out address. */
export function answerBoardRefusal(
  req: IncomingMessage,
  res: ServerResponse,
  verdict: Exclude<BoardVerdict, { kind: 'open' | 'granted' }>,
): void {
  if (verdict.kind === 'locked') {
    sendError(req, res, {
      statusCode: 429,
      error: reasonPhrase(429),
      message: 'Too many failed dashboard logins from this address; try again later',
      retryAfter: verdict.retryAfterS,
    });
    return;
  }
  res.setHeader('WWW-Authenticate', 'Basic realm="Kitsu Actions dashboard", charset="UTF-8"');
  sendError(req, res, {
    statusCode: 401,
    error: reasonPhrase(401),
    message: 'Dashboard credentials required',
  });
}
