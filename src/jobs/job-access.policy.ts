import { Injectable } from '@nestjs/common';
import type { Request } from 'express';
import type { JobView } from './jobs.service';

/**
 * Who may see a job and retry it. This default allows everyone, which is right for AUTH_MODE=none
 * (a trusted studio network). The authentication module replaces it by providing its own class
 * under this token (`{ provide: JobAccessPolicy, useClass: ... }`), e.g. letting the person who
 * ran a job and studio managers retry it.
 */
@Injectable()
export class JobAccessPolicy {
  canView(_req: Request, _job: JobView): boolean | Promise<boolean> {
    return true;
  }

  canRetry(_req: Request, _job: JobView): boolean | Promise<boolean> {
    return true;
  }

  /** Whose jobs the list shows when no ?person= is given; null means everyone's. */
  listScope(_req: Request): string | null | Promise<string | null> {
    return null;
  }
}
