import {
  Controller,
  Get,
  HttpException,
  Inject,
  Optional,
  Req,
  Res,
  ServiceUnavailableException,
  UnauthorizedException,
} from '@nestjs/common';
import {
  HealthCheck,
  HealthCheckService,
  HealthIndicatorService,
  type HealthCheckResult,
  type HealthIndicatorResult,
} from '@nestjs/terminus';
import {
  ApiOkResponse,
  ApiOperation,
  ApiSecurity,
  ApiServiceUnavailableResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { Request, Response } from 'express';
import type { BlockList } from 'node:net';
import { ActionRegistry } from '../actions/action-registry.service';
import type { ActionHealthReport } from '../actions/action.types';
import { ActionAuthorizer } from '../auth/authz.service';
import { BoardLogin } from '../dashboard/board-login';
import { EdgeConfig, addressAllowed } from '../edge/edge.config';
import { FARM_ADAPTER } from '../farms/farms.module';
import type { FarmAdapter } from '../farms/farm.types';
import { ProducerConnection } from '../queues/producer-connection';
import { ZouClient } from '../zou/zou.client';
import { ZouConfig } from '../zou/zou.config';
import { ApiErrorResponses, SECURITY } from '../http/api-docs';
import { HealthReportBody, LivenessBody } from './health.openapi';

export interface HealthReport {
  status: 'ok' | 'unavailable';
  redis: 'up' | 'down';
}

/** A dependency that has not answered by then counts as down: probes must answer quickly. */
const CHECK_TIMEOUT_MS = 2000;

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    private readonly producer: ProducerConnection,
    private readonly zou: ZouClient,
    private readonly zouConfig: ZouConfig,
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly actions: ActionRegistry,
    @Inject(FARM_ADAPTER) private readonly farm: FarmAdapter,
    private readonly boardLogin: BoardLogin,
    edge: EdgeConfig,
    @Optional() private readonly authz?: ActionAuthorizer,
  ) {
    this.boardAllowList = edge.boardAllowList;
  }

  private readonly boardAllowList: BlockList | null;

  /** 200 while Redis answers, 503 otherwise: intake cannot accept work without it. */
  @Get()
  @ApiOperation({ summary: 'Whether the intake can accept work (Redis answers)' })
  @ApiOkResponse({ type: HealthReportBody })
  @ApiServiceUnavailableResponse({ description: 'Redis does not answer', type: HealthReportBody })
  async summary(@Res({ passthrough: true }) res: Response): Promise<HealthReport> {
    const redisUp = await within(
      this.producer.client.ping().then((reply) => reply === 'PONG'),
      1000,
    ).catch(() => false);
    if (!redisUp) res.status(503);
    return { status: redisUp ? 'ok' : 'unavailable', redis: redisUp ? 'up' : 'down' };
  }

  /** Liveness: the process answers. Restarting it would not fix a dependency being down. */
  @Get('live')
  @ApiOperation({ summary: 'Liveness: the process answers' })
  @ApiOkResponse({ type: LivenessBody })
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /**
   * Readiness: Redis answers, and Zou answers and accepts our credentials (when configured).
   * Anyone sees up or down per dependency; the details (service account, farm kind, errors,
   * forwarders and other action reports) need the Bull Board credentials, checked and counted like the board's own.
   */
  @Get('ready')
  @HealthCheck()
  @ApiOperation({
    summary: 'Readiness: Redis, Zou (and our credentials), the farm; forwarders reported',
    description:
      'Anyone sees up or down per dependency; the details need the dashboard login (BOARD_USER / BOARD_PASSWORD).',
  })
  @ApiSecurity({})
  @ApiSecurity(SECURITY.boardLogin)
  @ApiErrorResponses({
    401: 'Wrong dashboard credentials',
    429: 'Too many failed dashboard logins from this address; see Retry-After',
  })
  async ready(
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ): Promise<HealthCheckResult> {
    const detailed = await this.mayReadDetails(req, res);
    let report: HealthCheckResult;
    try {
      report = await this.health.check([
        () => this.redis(),
        () => this.zouReady(),
        () => this.farmReady(),
        ...this.actionReports(),
      ]);
    } catch (error) {
      // Terminus reports failure by throwing; answer its report as is rather than the error shape.
      if (!(error instanceof ServiceUnavailableException)) throw error;
      res.status(503);
      report = error.getResponse() as HealthCheckResult;
    }
    return detailed ? report : statusesOnly(report);
  }

  /** Board users (and everyone while the board is open) see the details; wrong credentials do not pass. */
  private async mayReadDetails(req: Request, res: Response): Promise<boolean> {
    if (this.boardAllowList && !addressAllowed(this.boardAllowList, req.ip)) return false;
    const verdict = await this.boardLogin.check(req, req.ip);
    if (verdict.kind === 'locked') {
      throw new HttpException(
        {
          message: 'Too many failed dashboard logins from this address; try again later',
          retryAfter: verdict.retryAfterS,
        },
        429,
      );
    }
    if (verdict.kind === 'denied') {
      res.setHeader('WWW-Authenticate', 'Basic realm="Kitsu Actions dashboard", charset="UTF-8"');
      throw new UnauthorizedException('Wrong dashboard credentials (BOARD_USER / BOARD_PASSWORD)');
    }
    return verdict.kind !== 'anonymous';
  }

  private async redis(): Promise<HealthIndicatorResult<'redis'>> {
    const indicator = this.indicators.check('redis');
    try {
      await within(this.producer.client.ping(), CHECK_TIMEOUT_MS);
      return indicator.up();
    } catch (error) {
      return indicator.down({ message: messageOf(error) });
    }
  }

  private async zouReady(): Promise<HealthIndicatorResult<'zou'>> {
    const indicator = this.indicators.check('zou');
    if (!this.zouConfig.ZOU_URL) return indicator.up({ configured: false });
    try {
      // whoAmI needs Zou up and our token or login accepted.
      const me = await within(this.zou.whoAmI(), CHECK_TIMEOUT_MS);
      // Reported, not failed: clicks on other projects still work.
      const outside = this.authz
        ? await within(this.authz.serviceAccountOutside(), CHECK_TIMEOUT_MS).catch(() => [])
        : [];
      if (!outside.length) return indicator.up({ user: me.user.email });
      return indicator.up({
        user: me.user.email,
        warning:
          `The service account ${me.user.email} is not in the team of project(s) whose tasks were ` +
          'clicked: Zou hides those tasks from it, so every click on them is refused ' +
          '(task-visibility). Add the account to those project teams in Kitsu.',
        notInTeamOf: outside,
      });
    } catch (error) {
      return indicator.down({ message: messageOf(error) });
    }
  }

  /** The render farm answers, when a real one is configured (RENDER_FARM other than dry-run). */
  private async farmReady(): Promise<HealthIndicatorResult<'farm'>> {
    const indicator = this.indicators.check('farm');
    if (this.farm.kind === 'dry-run') return indicator.up({ kind: 'dry-run' });
    try {
      await within(this.farm.ping(), CHECK_TIMEOUT_MS);
      return indicator.up({ kind: this.farm.kind });
    } catch (error) {
      return indicator.down({ kind: this.farm.kind, message: messageOf(error) });
    }
  }

  /**
   * What the actions report about themselves (forward: `forwarders`), never failing readiness: the
   * other actions still work. One that fails or is slow is reported as `{ known: false }`.
   */
  private actionReports(): Array<() => Promise<HealthIndicatorResult>> {
    const reports: ActionHealthReport[] = this.actions
      .all()
      .flatMap(({ handler }) => handler.healthReports?.() ?? []);
    return reports.map((report) => async () => {
      const indicator = this.indicators.check(report.name);
      const details = await within(report.read(), CHECK_TIMEOUT_MS).catch(() => null);
      return indicator.up(details ?? { known: false });
    });
  }
}

/** The report with only `status` left in each dependency's entry. */
function statusesOnly(report: HealthCheckResult): HealthCheckResult {
  const strip = (section: Partial<HealthIndicatorResult> | undefined): HealthIndicatorResult =>
    Object.fromEntries(
      Object.entries(section ?? {}).map(([name, entry]) => [name, { status: entry!.status }]),
    );
  return {
    status: report.status,
    info: strip(report.info),
    error: strip(report.error),
    details: strip(report.details),
  };
}

function within<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
