import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { BullModule, InjectQueue } from '@nestjs/bullmq';
import { Body, Controller, HttpCode, Module, Param, Post, ValidationPipe } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { Queue } from 'bullmq';
import {
  ArrayMinSize,
  IsArray,
  IsEmail,
  IsIn,
  IsOptional,
  IsString,
  IsUUID,
} from 'class-validator';
import { reportReady, timeRequests } from '../lib/child';

/**
 * The peer: how a team would write the intake in an afternoon. A DTO with class-validator,
 * the stock global ValidationPipe, @InjectQueue and one queue.add per request.
 */
class KitsuActionDto {
  @IsArray()
  @ArrayMinSize(1)
  @IsUUID('all', { each: true })
  selection!: string[];

  @IsOptional()
  @IsUUID()
  productionid?: string;

  @IsUUID()
  userid!: string;

  @IsEmail()
  useremail!: string;

  @IsOptional()
  @IsString()
  originurl?: string;

  @IsOptional()
  @IsString()
  originserver?: string;

  @IsOptional()
  @IsIn(['asset', 'shot', 'sequence', 'edit', 'episode'])
  entitytype?: string;
}

@Controller('actions')
class ActionsController {
  constructor(@InjectQueue('custom') private readonly queue: Queue) {}

  @Post(':action')
  @HttpCode(202)
  async run(
    @Param('action') action: string,
    @Body() body: KitsuActionDto,
  ): Promise<{ jobId: string }> {
    const job = await this.queue.add(action, body, {
      jobId: randomBytes(12).toString('base64url'),
    });
    return { jobId: job.id! };
  }
}

@Module({
  imports: [
    BullModule.forRoot({
      connection: { url: process.env.REDIS_URL! },
      prefix: process.env.QUEUE_PREFIX!,
    }),
    BullModule.registerQueue({ name: 'custom' }),
  ],
  controllers: [ActionsController],
})
class NaiveModule {}

async function main(): Promise<void> {
  const app = await NestFactory.create<NestExpressApplication>(NaiveModule, { logger: false });
  app.useGlobalPipes(new ValidationPipe({ whitelist: true, transform: true }));
  app.enableShutdownHooks();
  await app.listen(0, '127.0.0.1');
  timeRequests(app.getHttpServer());
  const address = app.getHttpServer().address() as { port: number };
  reportReady(address.port);
}

void main();
