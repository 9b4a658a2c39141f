import { Module } from '@nestjs/common';
import { FarmsModule } from '../farms';
import { ForwardModule } from './forward/forward.action';
import { NotifyModule } from './custom/notify/notify.action';
import { InspectModule } from './inspect/inspect.action';
import { LaunchModule } from './launch/launch.action';
import { PlaylistModule } from './playlist/playlist.action';
import { RefusalNoticeModule } from './refusal-notice/refusal-notice.action';
import { RenderModule } from './render/render.module';
import { StatsModule } from './stats/stats.action';

/**
 * Every shipped action. A studio's own action is one more class with @KitsuAction, listed here
 * (see src/actions/README.md).
 */
@Module({
  imports: [
    InspectModule,
    PlaylistModule,
    StatsModule,
    NotifyModule,
    LaunchModule,
    ForwardModule,
    FarmsModule,
    RenderModule,
    RefusalNoticeModule,
  ],
})
export class ActionsModule {}
