import { Module } from '@nestjs/common';

/**
 * Every shipped action. A studio's own action is one more class with @KitsuAction, listed here
 * (see src/actions/README.md).
 */
@Module({
  providers: [],
})
export class ActionsModule {}
