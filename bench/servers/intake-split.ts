import type { INestApplication } from '@nestjs/common';
import { Queue } from 'bullmq';
import { ActionIntake, type IntakeCall } from '../../src/intake/action-intake.service';
import type { ActionName, JobDataOf } from '../../src/actions/action.types';
import { ActionRateLimiter } from '../../src/edge/rate-limiter';
import { NO_GUARD } from '../../src/queues/guarded-add';
import { JobQueues } from '../../src/queues/job-queues.service';
import { ProducerConnection } from '../../src/queues/producer-connection';
import { planRequest, type IntakePlan } from '../lib/deployment';

/** What the parent asks: run the split from request `offset` of the plan, `calls` of each. */
export interface SplitRequest {
  type: 'split';
  offset: number;
  calls: number;
}

export interface SplitResult {
  type: 'split';
  /** CPU µs per ActionIntake.accept (every check and the enqueue, no HTTP), 32 in flight. */
  acceptUs: number;
  /**
   * CPU µs per job insert as the intake makes it (JobQueues.enqueue with the click's rate-limit
   * guard: BullMQ's script behind the guard, encoded and batched), of the same job data.
   */
  insertUs: number;
  /** CPU µs per bare queue.add of the same body on the queues' connection, 32 in flight. */
  addUs: number;
}

const IN_FLIGHT = 32;

/**
 * Where a click's CPU goes, measured inside the as-deployed API process after its HTTP runs
 * (warm caches): the intake's checks and enqueue without HTTP, then its job insert alone, then a
 * bare queue.add of the same bodies. The HTTP layer's share is the HTTP run's CPU per request
 * minus the first; the checks' share is the first minus the second.
 */
export async function measureSplit(
  app: INestApplication,
  plan: IntakePlan,
  { offset, calls }: SplitRequest,
): Promise<SplitResult> {
  const intake = app.get(ActionIntake);
  const requests = Array.from({ length: calls }, (_, i) => intakeCall(plan, offset + i));
  const acceptUs = await cpuPerCall(calls, (i) => intake.accept(requests[i]));
  const queues = app.get(JobQueues);
  const limiter = app.get(ActionRateLimiter);
  const jobs = requests.map((call) => jobOf(call));
  const insertUs = await cpuPerCall(calls, (i) =>
    queues.enqueue('bench-noop', jobs[i].data, {
      guard: limiter.guardFor(requests[i].ip, jobs[i].personId)?.guard ?? NO_GUARD,
      deduplication: { id: `split-insert-${offset + i}`, ttl: 10_000 },
    }),
  );
  const queue = new Queue('bench-split', {
    connection: app.get(ProducerConnection).client,
    prefix: process.env.QUEUE_PREFIX,
  });
  try {
    const addUs = await cpuPerCall(calls, (i) =>
      queue.add('bench-noop', requests[i].body, { jobId: `split-${offset + i}` }),
    );
    return { type: 'split', acceptUs, insertUs, addUs };
  } finally {
    await queue.close();
  }
}

/** Job data of the intake's shape for a call, with the person whose budget it counts. */
function jobOf(call: IntakeCall): { data: JobDataOf<ActionName>; personId: string } {
  const body = call.body as { userid: string };
  return {
    personId: body.userid,
    data: {
      action: 'bench-noop' as ActionName,
      variant: '',
      request: call.body as never,
      params: {},
      requestId: call.requestId,
      requestedAt: new Date().toISOString(),
    },
  };
}

/** Request n of the plan as the fast lane hands it to ActionIntake. */
function intakeCall(plan: IntakePlan, n: number): IntakeCall {
  const { headers, body } = planRequest(plan, n);
  const lower = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
  return {
    action: 'bench-noop',
    variant: '',
    format: 'ajax',
    body: JSON.parse(body) as unknown,
    query: {},
    headers: lower,
    rawBody: Buffer.from(body),
    method: 'POST',
    target: '/actions/bench-noop',
    ip: headers['X-Forwarded-For'],
    requestId: `split-${n}`,
  };
}

async function cpuPerCall(calls: number, run: (i: number) => Promise<unknown>): Promise<number> {
  let next = 0;
  const before = process.cpuUsage();
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (next < calls) await run(next++);
    }),
  );
  const used = process.cpuUsage(before);
  return (used.user + used.system) / calls;
}
