import { Controller, Get, Res } from '@nestjs/common';
import type { Response } from 'express';
import { ProducerConnection } from '../queues/producer-connection';

export interface HealthReport {
  status: 'ok' | 'unavailable';
  redis: 'up' | 'down';
}

@Controller('health')
export class HealthController {
  constructor(private readonly producer: ProducerConnection) {}

  /** 200 while Redis answers, 503 otherwise: intake cannot accept work without it. */
  @Get()
  async health(@Res({ passthrough: true }) res: Response): Promise<HealthReport> {
    const redisUp = await pingWithin(this.producer, 1000);
    if (!redisUp) res.status(503);
    return { status: redisUp ? 'ok' : 'unavailable', redis: redisUp ? 'up' : 'down' };
  }
}

async function pingWithin(producer: ProducerConnection, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([producer.client.ping().then((reply) => reply === 'PONG'), timeout]);
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}
