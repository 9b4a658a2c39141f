import { getQueueToken } from '@nestjs/bullmq';
import { Injectable, type OnModuleInit } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import type { Queue } from 'bullmq';
import { QUEUE_NAMES, isQueueName, type QueueName } from './queues';

/** The BullMQ queues of this process, by name (registered through @nestjs/bullmq). */
@Injectable()
export class JobQueues implements OnModuleInit {
  private readonly queues = new Map<QueueName, Queue>();

  constructor(private readonly moduleRef: ModuleRef) {}

  // Looked up once every provider exists; in the constructor the queue providers may not yet.
  onModuleInit(): void {
    for (const name of QUEUE_NAMES) {
      this.queues.set(name, this.moduleRef.get<Queue>(getQueueToken(name), { strict: false }));
    }
  }

  get(name: QueueName): Queue {
    return this.queues.get(name)!;
  }

  find(name: string): Queue | undefined {
    return isQueueName(name) ? this.queues.get(name) : undefined;
  }

  all(): Queue[] {
    return [...this.queues.values()];
  }
}
