import { Transform } from 'class-transformer';
import {
  IsBoolean,
  IsString,
  MinLength,
  Validate,
  type ValidatorConstraintInterface,
  ValidatorConstraint,
} from 'class-validator';
import { toBool, validateEnv } from '../../config/validate-env';

@ValidatorConstraint({ name: 'timeZone' })
class IsTimeZone implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    if (typeof value !== 'string') return false;
    try {
      new Intl.DateTimeFormat('en-GB', { timeZone: value });
      return true;
    } catch {
      return false;
    }
  }
  defaultMessage(): string {
    return 'an IANA time zone such as UTC or Europe/Paris';
  }
}

/** How the playlist action names playlists and whether it tells each task about it. */
export class PlaylistConfig {
  /**
   * Playlist name. Placeholders: {task_type}, {date} (YYYY-MM-DD), {time} (HH:MM), {project},
   * {episode}, {entity_type}. Date and time are those of the click, so a retry gets the same name.
   */
  @IsString()
  @MinLength(1)
  PLAYLIST_NAME_TEMPLATE = '{task_type} review {date} {time}';

  /** Time zone of {date} and {time}. */
  @Validate(IsTimeZone)
  PLAYLIST_TIMEZONE = 'UTC';

  /** Comment on each added task with a link to its playlist. */
  @Transform(toBool)
  @IsBoolean()
  PLAYLIST_COMMENT = false;
}

export function loadPlaylistConfig(env: Record<string, string | undefined>): PlaylistConfig {
  return validateEnv(PlaylistConfig, env);
}
