import { ApiProperty, ApiSchema } from '@nestjs/swagger';
import type { HealthReport } from './health.controller';

/** The shapes of the health answers for the OpenAPI document (readiness is Terminus's own). */

@ApiSchema({ name: 'HealthReport' })
export class HealthReportBody implements HealthReport {
  @ApiProperty({ enum: ['ok', 'unavailable'] })
  status!: HealthReport['status'];

  @ApiProperty({ enum: ['up', 'down'] })
  redis!: HealthReport['redis'];
}

@ApiSchema({ name: 'Liveness' })
export class LivenessBody {
  @ApiProperty({ enum: ['ok'] })
  status!: 'ok';
}
