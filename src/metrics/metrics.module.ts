import { Module, type MiddlewareConsumer, type NestModule } from '@nestjs/common';
import { IntakeController } from '../intake/intake.controller';
import { IntakeMetricsMiddleware } from './intake-metrics.middleware';
import { MetricsController } from './metrics.controller';
import { MetricsService } from './metrics.service';

@Module({
  controllers: [MetricsController],
  providers: [MetricsService],
  exports: [MetricsService],
})
export class MetricsModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(IntakeMetricsMiddleware).forRoutes(IntakeController);
  }
}
