import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { BoardLoginModule } from '../dashboard/board-login';
import { HealthController } from './health.controller';

@Module({ imports: [TerminusModule, BoardLoginModule], controllers: [HealthController] })
export class HealthModule {}
