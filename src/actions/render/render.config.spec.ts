import { loadRenderConfig } from './render.config';
import {
  fillName,
  fillTemplate,
  RENDER_TEMPLATE_FIELDS,
  type RenderTemplateValues,
} from './render-template';

const values = Object.fromEntries(
  RENDER_TEMPLATE_FIELDS.map((f) => [f, '']),
) as RenderTemplateValues;

describe('render config and templates', () => {
  it('fails start-up naming the variable and the unknown field', () => {
    expect(() =>
      loadRenderConfig({ RENDER_SCENE_TEMPLATE: '/prod/{project}/{shto}.blend' }),
    ).toThrow(/RENDER_SCENE_TEMPLATE: unknown field\(s\) \{shto\}/);
    expect(() => loadRenderConfig({ RENDER_PRIORITY: '101' })).toThrow(/RENDER_PRIORITY/);
    expect(() => loadRenderConfig({ RENDER_PRIORITY: 'high' })).toThrow(/RENDER_PRIORITY/);
  });

  it('refuses shell syntax in RENDER_COMMAND_TEMPLATE: the command is an argument list', () => {
    expect(() =>
      loadRenderConfig({ RENDER_COMMAND_TEMPLATE: 'blender -b {scene} -s @#@ -e @#@ > /tmp/log' }),
    ).toThrow(/RENDER_COMMAND_TEMPLATE: shell syntax > is not allowed/);
    expect(() =>
      loadRenderConfig({ RENDER_COMMAND_TEMPLATE: 'blender -b "{scene} -s @#@ -e @#@' }),
    ).toThrow(/RENDER_COMMAND_TEMPLATE: a double quote is never closed/);
  });

  it('fills named fields and folds the gap a missing episode leaves in names', () => {
    const filled = {
      ...values,
      project: 'BBB',
      sequence: 'SQ010',
      shot: 'SH020',
      task_type: 'Lighting',
    };
    const config = loadRenderConfig({});
    expect(fillName(config.RENDER_JOB_NAME_TEMPLATE, filled)).toBe('BBB SQ010 SH020 Lighting');
    expect(fillTemplate('/prod/{project}/{shot}.blend', filled)).toBe('/prod/BBB/SH020.blend');
  });
});
