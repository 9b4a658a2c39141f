import { getQueueToken } from '@nestjs/bullmq';
import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import type { Queue } from 'bullmq';
import { QUEUE_NAMES, isQueueName, type QueueName } from './queues';
import { logNonOutageErrors } from './redis-outage';

/** The BullMQ queues of this process, by name (registered through @nestjs/bullmq). */
@Injectable()
export class JobQueues implements OnModuleInit {
  private queues: Map<QueueName, Queue> | null = null;
  private readonly logger = new Logger('Queues');

  constructor(private readonly moduleRef: ModuleRef) {}

  /** BullMQ prints a queue's connection errors to stderr when nobody listens: listen. */
  onModuleInit(): void {
    for (const queue of this.all()) logNonOutageErrors(queue, this.logger, `${queue.name} queue`);
  }

  // Looked up on first use: during construction the queue providers may not exist yet, and the
  // dashboard asks before the application's init hooks run.
  private byName(): Map<QueueName, Queue> {
    this.queues ??= new Map(
      QUEUE_NAMES.map((name) => [
        name,
        this.moduleRef.get<Queue>(getQueueToken(name), { strict: false }),
      ]),
    );
    return this.queues;
  }

  get(name: QueueName): Queue {
    return this.byName().get(name)!;
  }

  find(name: string): Queue | undefined {
    return isQueueName(name) ? this.byName().get(name) : undefined;
  }

  all(): Queue[] {
    return [...this.byName().values()];
  }
}
