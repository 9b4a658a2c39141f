import { namePartProblems, staysUnderRoot, templateFields, templateRoot } from './render-template';

describe('render templates and Kitsu names', () => {
  it.each([
    ['SH010', []],
    ['Forest Tales', []],
    ['sh 010 $(touch pwned) ;|&*', []],
    ['Scène 12', []],
    ['x"; id > pwned; echo "', ['a quote']],
    ['../../../..', ['a path separator (/ or \\)', '"." or ".."']],
    ['..', ['"." or ".."']],
    ['.', ['"." or ".."']],
    ['sq..010', ['"." or ".."']],
    ['C:\\evil', ['a path separator (/ or \\)']],
    ["it's", ['a quote']],
    ['`id`', ['a quote']],
    ['-rf', ['a leading dash']],
    ['sh\n010', ['a control character']],
    ['sh\u0000', ['a control character']],
    ['sh\u2028', ['a control character']],
  ])('name %j: %j', (name, problems) => {
    expect(namePartProblems(name)).toEqual(problems);
  });

  it('finds the literal root a template starts with', () => {
    expect(templateRoot('/prod/{project}/shots/{shot}.blend')).toBe('/prod/');
    expect(templateRoot('/prod/{project}')).toBe('/prod/');
    expect(templateRoot('/prod-{project}/x')).toBe('/');
    expect(templateRoot('P:\\prod\\{project}\\{shot}.blend')).toBe('P:\\prod\\');
    expect(templateRoot('{project}/{shot}.blend')).toBe('');
    expect(templateRoot('/prod/fixed.blend')).toBe('/prod/');
  });

  it('keeps a filled path under its root once resolved', () => {
    const template = '/prod/{project}/../../{shot}.blend';
    expect(staysUnderRoot(template, '/prod/a/b/../c.blend')).toBe(true);
    expect(staysUnderRoot(template, '/prod/Forest/../../sh010.blend')).toBe(false);
    expect(staysUnderRoot('/prod/{project}', '/prod/')).toBe(true);
    expect(staysUnderRoot('/prod/{project}', '/production/x')).toBe(false);
    expect(staysUnderRoot('P:\\prod\\{shot}', 'p:\\PROD\\sh010')).toBe(true);
    expect(staysUnderRoot('P:\\prod\\{shot}', 'P:\\prod\\..\\etc')).toBe(false);
    expect(staysUnderRoot('{project}/{shot}', 'Forest/sh010')).toBe(true);
    expect(staysUnderRoot('{project}/{shot}', 'Forest/../../x')).toBe(false);
  });

  it('lists the fields a template names, once each', () => {
    expect(templateFields('/prod/{project}/{shot}/{shot}.blend {scene}')).toEqual([
      'project',
      'shot',
    ]);
  });
});
