import { Module } from '@nestjs/common';
import { ENV, type Env } from '../../config/config.module';
import { loadRenderConfig } from './render.config';
import { RENDER_CONFIG, RenderSpecBuilder } from './render-spec';
import { RenderAction } from './render.action';
import { RenderTrackAction } from './render-track.action';
import { RenderCancelAction, RenderCancelMarks } from './render-cancel.action';
import { RenderLiveStates } from './render-live-states';

@Module({
  providers: [
    {
      provide: RENDER_CONFIG,
      useFactory: (env: Env) => loadRenderConfig(env),
      inject: [ENV],
    },
    RenderSpecBuilder,
    RenderAction,
    RenderTrackAction,
    RenderCancelAction,
    RenderCancelMarks,
    RenderLiveStates,
  ],
})
export class RenderModule {}
