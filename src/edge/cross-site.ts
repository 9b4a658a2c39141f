import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { ForbiddenException, Injectable } from '@nestjs/common';
import { CallerAuth } from '../auth/caller-auth.service';
import { AppConfig } from '../config/app.config';

/** Where a browser request comes from, as far as its headers tell. */
export interface CrossSitePolicy {
  /** Origins whose pages may post here: ours (PUBLIC_URL), Kitsu's (KITSU_URL, CORS_ORIGINS). */
  trusted: ReadonlySet<string>;
  /** Origins that may post from another site (Sec-Fetch-Site: cross-site): CORS_ORIGINS only. */
  crossSite: ReadonlySet<string>;
  /** Without PUBLIC_URL our public origin is unknown: a page served from the Host asked counts. */
  trustHost: boolean;
}

/** The origin of a configured URL (`https://kitsu.example/` -> `https://kitsu.example`). */
export function originOf(url: string): string | null {
  try {
    const origin = new URL(url).origin;
    return origin === 'null' ? null : origin.toLowerCase();
  } catch {
    return null;
  }
}

/**
 * Why a state-changing request must be refused as cross-site, or null to let it through.
 * Browsers set Origin (or at least Referer) and Sec-Fetch-Site themselves and pages cannot forge
 * them, so a page on another origin that auto-submits a form or fetches here with the person's
 * Kitsu cookie is recognised. Scripts and curl send none of these headers and are left alone:
 * they carry no browser's cookies, and authentication deals with them.
 */
export function crossSiteRefusal(
  headers: IncomingHttpHeaders,
  policy: CrossSitePolicy,
): string | null {
  const fetchSite = single(headers['sec-fetch-site'])?.toLowerCase();
  const originHeader = single(headers.origin);
  const referer = single(headers.referer);
  let origin: string | null;
  let from: string;
  if (originHeader !== undefined) {
    if (originHeader.trim().toLowerCase() === 'null')
      return 'Origin is null (a sandboxed page, a data: URL or a cross-site redirect): the page that sent it cannot be trusted';
    origin = originOf(originHeader.trim());
    from = `Origin ${originHeader.trim()}`;
  } else if (referer !== undefined) {
    origin = originOf(referer.trim());
    from = 'the Referer';
  } else {
    // No page named: a script, or a browser action (typed URL, bookmark) with nothing to forge.
    if (fetchSite === undefined || fetchSite === 'same-origin' || fetchSite === 'none') return null;
    return `the browser says the request is ${fetchSite} (Sec-Fetch-Site) but names no Origin or Referer`;
  }
  if (!origin) return `${from} is not a URL`;
  if (fetchSite === 'cross-site' && !policy.crossSite.has(origin))
    return `the browser says the request comes from another site (Sec-Fetch-Site: cross-site, ${from}); only CORS_ORIGINS may post from another site`;
  if (policy.trusted.has(origin)) return null;
  if (policy.trustHost && hostOf(origin) === single(headers.host)?.toLowerCase()) return null;
  return `${from} is neither Kitsu's (KITSU_URL, CORS_ORIGINS) nor this service's (PUBLIC_URL)`;
}

/**
 * Refuses state-changing requests that a page on another origin made a browser send with its
 * cookies (cross-site request forgery), before anything else looks at them: no authentication,
 * no Zou call, nothing queued. Used by both intake paths and by job retry.
 */
@Injectable()
export class CrossSiteGuard {
  readonly policy: CrossSitePolicy;

  constructor(app: AppConfig, auth: CallerAuth) {
    this.policy = crossSitePolicy(app, auth.config.CORS_ORIGINS);
  }

  /** Throws a 403 naming the rule (`cross-site`) and what gave the request away. */
  check(req: Pick<IncomingMessage, 'headers'>): void {
    const reason = crossSiteRefusal(req.headers, this.policy);
    if (reason)
      throw new ForbiddenException({
        statusCode: 403,
        error: 'Forbidden',
        rule: 'cross-site',
        message: `Cross-site request refused: ${reason}`,
      });
  }
}

export function crossSitePolicy(app: AppConfig, corsOrigins: string[]): CrossSitePolicy {
  const cors = corsOrigins.map(originOf).filter((o): o is string => Boolean(o));
  const trusted = new Set<string>(cors);
  for (const url of [app.publicUrl, app.KITSU_URL]) {
    const origin = url ? originOf(url) : null;
    if (origin) trusted.add(origin);
  }
  return { trusted, crossSite: new Set(cors), trustHost: !app.PUBLIC_URL };
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** `https://a.example:8443` -> `a.example:8443`, as the Host header spells it. */
function hostOf(origin: string): string {
  return origin.replace(/^[a-z][a-z0-9+.-]*:\/\//, '');
}
