import { Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { ActionAuthorizer } from '../auth/authz.service';
import { CallerAuth } from '../auth/caller-auth.service';
import { AppConfig } from '../config/app.config';
import { BoardLogin } from '../dashboard/board-login';
import { JobViewTokens } from './job-view-token';
import type { JobView } from './jobs.service';

/** Who is looking at a job: nobody known, a person (with role), or a Bull Board user. */
type Viewer = { kind: 'anyone' } | { kind: 'nobody' } | { kind: 'board' } | PersonViewer;
interface PersonViewer {
  kind: 'person';
  id: string;
  studioManager: boolean;
}

/**
 * Whose jobs the list shows: everyone's (managers, board users, AUTH_MODE=none), one person's, or
 * none yet because the caller has neither a Kitsu session nor the board login (they are asked).
 */
export type ListScope = { kind: 'everyone' } | { kind: 'person'; id: string } | { kind: 'login' };

/**
 * Who may see a job and retry it: the person who ran it, a studio manager or admin (role from
 * Zou, cached), or a Bull Board user (its basic-auth credentials). Others get a 404 so job ids
 * cannot be probed. AUTH_MODE=none keeps the trusted-network default: everyone.
 */
@Injectable()
export class JobAccessPolicy {
  constructor(
    private readonly config: AppConfig,
    private readonly auth: CallerAuth,
    private readonly authz: ActionAuthorizer,
    private readonly viewTokens: JobViewTokens,
    private readonly boardLogin: BoardLogin,
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
    if (this.viewTokens.allowsViewing(job.id, given)) return true;
    return job.followsUp !== null && this.viewTokens.allowsViewing(job.followsUp, given);
  }

  /** A retry runs the action again in the clicker's name: the clicker's link, not a comment's. */
  async canRetry(req: Request, job: JobView): Promise<boolean> {
    if (this.viewTokens.verify(job.id, req.query.view)) return true;
    return this.isEntitled(req, job);
  }

  private async isEntitled(req: Request, job: JobView): Promise<boolean> {
    const viewer = await this.viewer(req);
    if (viewer.kind === 'anyone' || viewer.kind === 'board') return true;
    if (viewer.kind === 'nobody') return false;
    return viewer.studioManager || viewer.id === job.request.personId.toLowerCase();
  }

  async listScope(req: Request): Promise<ListScope> {
    const viewer = await this.viewer(req);
    if (viewer.kind === 'anyone' || viewer.kind === 'board') return { kind: 'everyone' };
    if (viewer.kind === 'nobody') return { kind: 'login' };
    return viewer.studioManager ? { kind: 'everyone' } : { kind: 'person', id: viewer.id };
  }

  /** Whether a board login can be offered (basic auth is only checked when a password is set). */
  get boardLoginEnabled(): boolean {
    return Boolean(this.config.BOARD_PASSWORD);
  }

  private async viewer(req: Request): Promise<Viewer> {
    if (this.auth.config.modes.includes('none')) return { kind: 'anyone' };
    if (await this.isBoardUser(req)) return { kind: 'board' };
    const person = await this.auth.sessionPerson(req);
    if (!person) return { kind: 'nobody' };
    const role = (await this.authz.personRole(person.id)) ?? person.role;
    return {
      kind: 'person',
      id: person.id.toLowerCase(),
      studioManager: role === 'admin' || role === 'manager',
    };
  }

  /** Bull Board credentials, checked (and failures counted) as the board itself checks them. */
  private async isBoardUser(req: Request): Promise<boolean> {
    if (!req.headers.authorization?.startsWith('Basic ')) return false;
    return (await this.boardLogin.check(req, req.ip)).kind === 'granted';
  }
}
