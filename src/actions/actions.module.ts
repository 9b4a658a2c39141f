import { Module } from '@nestjs/common';
import { FarmsModule } from '../farms';
import { NotifyModule } from './custom/notify/notify.action';
import { InspectModule } from './inspect/inspect.action';
import { RenderModule } from './render/render.action';

/**
 * Every shipped action. A studio's own action is one more class with @KitsuAction, listed here
 * (see src/actions/README.md).
 */
@Module({
  imports: [InspectModule, NotifyModule, FarmsModule, RenderModule],
})
export class ActionsModule {}
