import { Injectable, SetMetadata, applyDecorators } from '@nestjs/common';
import type { KitsuActionOptions } from './action.types';

export const KITSU_ACTION = Symbol('kitsu-action');

/**
 * Marks a class as a Kitsu action handler. The registry finds it at start-up, so a studio's
 * own action is one file: this decorator on a class that implements ActionHandler.
 */
export function KitsuAction(options: KitsuActionOptions): ClassDecorator {
  return applyDecorators(Injectable(), SetMetadata(KITSU_ACTION, options));
}
