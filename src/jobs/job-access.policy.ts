import { Inject, Injectable, Optional } from '@nestjs/common';
import type { Request } from 'express';
import { ActionAuthorizer } from '../auth/authz.service';
import { CallerAuth, secretsMatch } from '../auth/caller-auth.service';
import { AppConfig } from '../config/app.config';
import { JobViewTokens } from './job-view-token';
import type { JobView } from './jobs.service';

/** Who is looking at a job: nobody known, a person (with role), or a Bull Board user. */
type Viewer = { kind: 'anyone' } | { kind: 'nobody' } | { kind: 'board' } | PersonViewer;
interface PersonViewer {
  kind: 'person';
  id: string;
  studioManager: boolean;
}

/** Placeholder scope that matches no job: an unauthenticated caller lists nothing. */
const NOBODY = '00000000-0000-0000-0000-000000000000';

/**
 * Who may see a job and retry it: the person who ran it, a studio manager or admin (role from
 * Zou, cached), or a Bull Board user (its basic-auth credentials). Others get a 404 so job ids
 * cannot be probed. AUTH_MODE=none keeps the trusted-network default: everyone.
 */
@Injectable()
export class JobAccessPolicy {
  // Optional: the worker process builds JobsModule without the HTTP auth module; it serves no
  // job pages, so there the policy is never asked.
  constructor(
    private readonly config: AppConfig,
    @Optional() private readonly auth?: CallerAuth,
    @Optional() private readonly authz?: ActionAuthorizer,
    @Optional() @Inject(JobViewTokens) private readonly viewTokens?: JobViewTokens,
  ) {}

  async canView(req: Request, job: JobView): Promise<boolean> {
    if (this.hasViewToken(req, job)) return true;
    return this.isEntitled(req, job);
  }

  /**
   * The link the intake handed to whoever clicked, or the read-only one in Kitsu comments; for a
   * follow-up job (a render's tracking poll), the link of the job it follows up opens it too.
   */
  hasViewToken(req: Request, job: Pick<JobView, 'id' | 'followsUp'>): boolean {
    const given = req.query.view;
    if (!this.viewTokens) return false;
    if (this.viewTokens.allowsViewing(job.id, given)) return true;
    return job.followsUp !== null && this.viewTokens.allowsViewing(job.followsUp, given);
  }

  /** A retry runs the action again in the clicker's name: the clicker's link, not a comment's. */
  async canRetry(req: Request, job: JobView): Promise<boolean> {
    if (this.viewTokens?.verify(job.id, req.query.view)) return true;
    return this.isEntitled(req, job);
  }

  private async isEntitled(req: Request, job: JobView): Promise<boolean> {
    const viewer = await this.viewer(req);
    if (viewer.kind === 'anyone' || viewer.kind === 'board') return true;
    if (viewer.kind === 'nobody') return false;
    return viewer.studioManager || viewer.id === job.request.personId.toLowerCase();
  }

  /** Whose jobs the list shows; null means everyone's (managers, board users, AUTH_MODE=none). */
  async listScope(req: Request): Promise<string | null> {
    const viewer = await this.viewer(req);
    if (viewer.kind === 'anyone' || viewer.kind === 'board') return null;
    if (viewer.kind === 'nobody') return NOBODY;
    return viewer.studioManager ? null : viewer.id;
  }

  private async viewer(req: Request): Promise<Viewer> {
    if (!this.auth || !this.authz || this.auth.config.modes.includes('none'))
      return { kind: 'anyone' };
    if (this.isBoardUser(req)) return { kind: 'board' };
    const person = await this.auth.sessionPerson(req);
    if (!person) return { kind: 'nobody' };
    const role = (await this.authz.personRole(person.id)) ?? person.role;
    return {
      kind: 'person',
      id: person.id.toLowerCase(),
      studioManager: role === 'admin' || role === 'manager',
    };
  }

  private isBoardUser(req: Request): boolean {
    const password = this.config.BOARD_PASSWORD;
    const match = /^Basic\s+(\S+)$/i.exec(req.headers.authorization ?? '');
    if (!password || !match) return false;
    const decoded = Buffer.from(match[1], 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return false;
    return (
      secretsMatch(decoded.slice(0, colon), this.config.BOARD_USER ?? 'admin') &&
      secretsMatch(decoded.slice(colon + 1), password)
    );
  }
}
