import type { INestApplication } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import express, { type NextFunction, type Request, type Response } from 'express';
import { AppConfig } from '../config/app.config';
import helmet from 'helmet';
import type { IncomingMessage } from 'node:http';
import proxyAddr from 'proxy-addr';
import type { HeaderMiddleware } from '../intake/intake-fast-lane';
import type { EdgeConfig } from '../edge/edge.config';
import { assignRequestId } from '../logging/request-id';
import { AllExceptionsFilter } from './all-exceptions.filter';
import { fixedHeadersOf } from './fixed-headers';
import { bodyError, sendError } from './http-errors';

declare module 'express-serve-static-core' {
  interface Request {
    /** Follows the request into the job and the worker's log lines. */
    requestId: string;
    /** The body as received, for signature checks (set by the body parsers). */
    rawBody?: Buffer;
  }
}

/**
 * Express-level setup shared by the real server and the tests: request ids, the two body
 * parsers Kitsu needs with the configured limit, and body-parser failures turned into the same
 * clean 4xx answers as everything else.
 */
export function configureHttp(
  app: INestApplication,
  config: AppConfig,
  edge: EdgeConfig,
  /** More header middlewares (CORS), run before the body is read so errors carry them too. */
  extraHeaders: HeaderMiddleware[] = [],
): ConfiguredHttp {
  const express_ = app as NestExpressApplication;
  express_.disable('x-powered-by');
  express_.set('etag', false);
  // Whose X-Forwarded-For is believed decides the address rate limits and the board allowlist see.
  express_.set('trust proxy', edge.trustProxy);
  const helmetHeaders = securityHeaders(config.HSTS_MAX_AGE, config.KITSU_URL);
  const headers = [helmetHeaders, ...extraHeaders];
  for (const middleware of headers) express_.use(middleware);

  express_.use((req: Request, res: Response, next: NextFunction) => {
    assignRequestId(req, res);
    next();
  });
  // Keeping a reference to the received bytes costs nothing and lets `signed` mode verify them.
  const keepRaw = (req: Request, _res: Response, buf: Buffer) => {
    req.rawBody = buf;
  };
  express_.use(express.json({ limit: config.BODY_LIMIT, strict: true, verify: keepRaw }));
  express_.use(
    express.urlencoded({
      limit: config.BODY_LIMIT,
      extended: false,
      parameterLimit: 1000,
      verify: keepRaw,
    }),
  );
  express_.use(bodyParserErrors);
  app.useGlobalFilters(new AllExceptionsFilter());
  app.enableShutdownHooks();
  const trust = (express_.getHttpAdapter().getInstance() as express.Application).get(
    'trust proxy fn',
  ) as (address: string, hop: number) => boolean;
  const fixedHeaders = fixedHeadersOf(helmetHeaders);
  return {
    headers,
    fixedHeaders: fixedHeaders ?? [],
    perRequestHeaders: fixedHeaders ? extraHeaders : headers,
    clientIp: cachedClientIp(trust),
    trustsPeer: (address) => trust(address, 0),
  };
}

/** What the intake fast lane shares with Express: the same headers and the same idea of `req.ip`. */
export interface ConfiguredHttp {
  /** helmet, then CORS when configured, in the order Express runs them. */
  headers: HeaderMiddleware[];
  /**
   * The same headers for an answer written with one writeHead: helmet's, recorded once
   * (`[name, value, ...]`, see fixed-headers.ts), then the middlewares whose headers depend on the
   * request (CORS; helmet too, were its headers found to vary), run per request.
   */
  fixedHeaders: string[];
  perRequestHeaders: HeaderMiddleware[];
  clientIp: (req: IncomingMessage) => string | undefined;
  /** Whether TRUST_PROXY trusts a TCP peer as a proxy (whose X-Forwarded-For is believed). */
  trustsPeer: (address: string) => boolean;
}

/** Distinct (peer, X-Forwarded-For) pairs whose client address is kept. */
const CLIENT_IPS_KEPT = 4096;

/**
 * proxy-addr's answer for a request, kept per (TCP peer, X-Forwarded-For) pair: it is a function
 * of those two alone (`trust` is fixed), and parsing every address of the header with ipaddr.js
 * on each click was a visible share of the intake's CPU. Oldest first out once full.
 */
function cachedClientIp(
  trust: (address: string, hop: number) => boolean,
): (req: IncomingMessage) => string | undefined {
  const known = new Map<string, string | undefined>();
  return (req) => {
    const peer = req.socket?.remoteAddress;
    const forwarded = req.headers['x-forwarded-for'] ?? '';
    if (peer === undefined || typeof forwarded !== 'string') return proxyAddr(req, trust);
    // No address contains a `|`, so the peer ends at the first one.
    const key = `${peer}|${forwarded}`;
    if (known.has(key)) return known.get(key);
    const ip = proxyAddr(req, trust);
    if (known.size >= CLIENT_IPS_KEPT) known.delete(known.keys().next().value!);
    known.set(key, ip);
    return ip;
  };
}

/**
 * helmet's headers on every answer. The pages carry their own small inline script and styles (job
 * page, Bull Board, API docs), so inline is allowed for those, but nothing from other origins, no
 * plugins, no framing by other sites, and forms post only back here. HSTS only with HSTS_MAX_AGE:
 * it would bind Kitsu and everything else on the host name to HTTPS, not just us.
 */
function securityHeaders(hstsMaxAge: number, kitsuUrl: string | undefined) {
  // Job pages show Kitsu's preview thumbnails (playlists), fetched with the person's Kitsu session.
  const kitsuPictures = kitsuUrl ? [new URL(kitsuUrl).origin] : [];
  return helmet({
    strictTransportSecurity:
      hstsMaxAge > 0 ? { maxAge: hstsMaxAge, includeSubDomains: false } : false,
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'", "'unsafe-inline'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:', ...kitsuPictures],
        fontSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'self'"],
      },
    },
    // The launch action sends people on to rvlink:// and the like: keep the referrer to ourselves.
    referrerPolicy: { policy: 'same-origin' },
    crossOriginEmbedderPolicy: false,
  });
}

interface BodyParserError {
  status?: number;
  type?: string;
}

function bodyParserErrors(err: unknown, req: Request, res: Response, next: NextFunction): void {
  const error = err as BodyParserError;
  if (!error || typeof error.status !== 'number') return next(err);
  const status = error.status >= 400 && error.status < 500 ? error.status : 400;
  sendError(req, res, bodyError(status, error.type));
}
