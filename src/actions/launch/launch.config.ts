import { readFileSync } from 'node:fs';
import { Transform } from 'class-transformer';
import { IsOptional, IsString } from 'class-validator';
import { toList } from '../../config/validate-env';
import { ENTITY_TYPES, type EntityType } from '../action.types';
import { checkPathTemplate, compileUrlTemplate, type CompiledTemplate } from './launch-template';

/** One launcher as written in config. */
export interface LauncherSpec {
  name: string;
  label: string;
  url: string;
  entityTypes?: EntityType[];
  pathTemplate?: string;
}

export interface Launcher extends LauncherSpec {
  compiled: CompiledTemplate;
}

const DEFAULT_SCHEMES = ['https', 'http', 'rvlink', 'blender', 'kabaret'];

/** Launchers (LAUNCHERS JSON, or a JSON file in LAUNCHERS_FILE) and the schemes they may produce. */
export class LaunchConfig {
  @IsOptional()
  @IsString()
  LAUNCHERS?: string;

  @IsOptional()
  @IsString()
  LAUNCHERS_FILE?: string;

  @Transform(toList)
  @IsString({ each: true })
  LAUNCH_SCHEMES: string[] = DEFAULT_SCHEMES;

  /** Filled by crossCheck: the parsed, checked launchers. */
  launchers: Launcher[] = [];

  crossCheck(): string[] {
    const schemes = this.LAUNCH_SCHEMES.map((s) => s.toLowerCase().replace(/:$/, ''));
    this.LAUNCH_SCHEMES = schemes;
    let raw: unknown = [];
    const source = this.LAUNCHERS !== undefined ? 'LAUNCHERS' : 'LAUNCHERS_FILE';
    try {
      if (this.LAUNCHERS !== undefined) raw = JSON.parse(this.LAUNCHERS);
      else if (this.LAUNCHERS_FILE !== undefined) {
        raw = JSON.parse(readFileSync(this.LAUNCHERS_FILE, 'utf8'));
      }
    } catch (error) {
      return [`${source}: not readable JSON (${(error as Error).message})`];
    }
    const list = Array.isArray(raw) ? raw : (raw as { launchers?: unknown })?.launchers;
    if (!Array.isArray(list)) return [`${source}: expected a JSON array of launchers`];
    const problems: string[] = [];
    const seen = new Set<string>();
    for (const [index, item] of list.entries()) {
      const spec = item as Partial<LauncherSpec>;
      const where = `${source}[${index}]`;
      if (typeof spec?.name !== 'string' || !/^[a-z0-9][a-z0-9-]*$/.test(spec.name)) {
        problems.push(`${where}: name must be lower-case letters, digits and dashes`);
        continue;
      }
      if (seen.has(spec.name)) problems.push(`${where}: launcher "${spec.name}" defined twice`);
      seen.add(spec.name);
      if (typeof spec.url !== 'string') {
        problems.push(`${where}: launcher "${spec.name}" needs a url template`);
        continue;
      }
      const badTypes = (spec.entityTypes ?? []).filter(
        (t) => !(ENTITY_TYPES as readonly string[]).includes(t),
      );
      if (spec.entityTypes !== undefined && !Array.isArray(spec.entityTypes)) {
        problems.push(`${where}: entityTypes must be a list`);
      } else if (badTypes.length) {
        problems.push(`${where}: unknown entity type(s) ${badTypes.join(', ')}`);
      }
      if (spec.pathTemplate !== undefined) {
        problems.push(...checkPathTemplate(spec.name, String(spec.pathTemplate)));
      }
      const { compiled, problems: urlProblems } = compileUrlTemplate(spec.name, spec.url, schemes);
      problems.push(...urlProblems);
      if (compiled) {
        this.launchers.push({
          name: spec.name,
          label: typeof spec.label === 'string' ? spec.label : spec.name,
          url: spec.url,
          entityTypes: spec.entityTypes,
          pathTemplate: spec.pathTemplate,
          compiled,
        });
      }
    }
    return problems.map((p) => (p.startsWith(source) ? p : `${source}: ${p}`));
  }
}
