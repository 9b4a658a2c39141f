import { ActionRateLimiter } from '../edge/rate-limiter';
import { ActionIntake } from './action-intake.service';
import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { IntakeController } from './intake.controller';
import { IntakeService } from './intake.service';
import { RefusalNotices } from './refusal-notices';
import { OptionsController } from './options.controller';
import { OptionsConfig, PendingOptions } from './pending-options';
import { configProvider } from '../config/config.module';

@Module({
  imports: [AuthModule],
  controllers: [IntakeController, OptionsController],
  providers: [
    IntakeService,
    ActionIntake,
    ActionRateLimiter,
    RefusalNotices,
    PendingOptions,
    configProvider(OptionsConfig),
  ],
  exports: [IntakeService, ActionIntake],
})
export class IntakeModule {}
