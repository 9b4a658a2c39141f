import type { INestApplication } from '@nestjs/common';
import { Queue } from 'bullmq';
import { ActionIntake, type IntakeCall } from '../../src/intake/action-intake.service';
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
  /** CPU µs per bare queue.add of the same body on the same connection, 32 in flight. */
  addUs: number;
}

const IN_FLIGHT = 32;

/**
 * Where a click's CPU goes, measured inside the as-deployed API process after its HTTP runs
 * (warm caches): the intake's checks and enqueue without HTTP, then a bare queue.add of the same
 * bodies. The HTTP layer's share is the HTTP run's CPU per request minus the first.
 */
export async function measureSplit(
  app: INestApplication,
  plan: IntakePlan,
  { offset, calls }: SplitRequest,
): Promise<SplitResult> {
  const intake = app.get(ActionIntake);
  const requests = Array.from({ length: calls }, (_, i) => intakeCall(plan, offset + i));
  const acceptUs = await cpuPerCall(calls, (i) => intake.accept(requests[i]));
  const queue = new Queue('bench-split', {
    connection: app.get(ProducerConnection).client,
    prefix: process.env.QUEUE_PREFIX,
  });
  try {
    const addUs = await cpuPerCall(calls, (i) =>
      queue.add('bench-noop', requests[i].body, { jobId: `split-${offset + i}` }),
    );
    return { type: 'split', acceptUs, addUs };
  } finally {
    await queue.close();
  }
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
