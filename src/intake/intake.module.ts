import { ActionRateLimiter } from '../edge/rate-limiter';
import { ActionIntake } from './action-intake.service';
import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { IntakeController } from './intake.controller';
import { IntakeService } from './intake.service';
import { RefusalNotices } from './refusal-notices';

@Module({
  imports: [AuthModule],
  controllers: [IntakeController],
  providers: [IntakeService, ActionIntake, ActionRateLimiter, RefusalNotices],
  exports: [IntakeService, ActionIntake],
})
export class IntakeModule {}
