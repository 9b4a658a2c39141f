import type { RegisteredAction } from '../actions/action.types';
import { actionsBase, desiredCustomActions, isOurEntry } from './action-registration';
import { parseRegisterArgs } from './register-actions';

describe('isOurEntry', () => {
  const base = actionsBase('http://actions.studio.test/');

  it.each([
    'http://actions.studio.test/actions/inspect',
    'http://actions.studio.test/actions/launch/rv',
    'http://actions.studio.test/actions/stats?scope=project',
  ])('claims %s', (url) => expect(isOurEntry(url, base)).toBe(true));

  it.each([
    'http://actions.studio.test.evil/actions/inspect',
    'http://actions.studio.test/second/actions/inspect',
    // A deployment mounted under our /actions/ path is not ours either.
    'http://actions.studio.test/actions/x/actions/inspect',
    'https://actions.studio.test/actions/inspect',
    'http://elsewhere.test/hook',
  ])('leaves %s alone', (url) => expect(isOurEntry(url, base)).toBe(false));
});

describe('parseRegisterArgs', () => {
  it('plans by default and applies only on --apply', () => {
    expect(parseRegisterArgs([], {})).toMatchObject({ ok: true, apply: false });
    expect(parseRegisterArgs(['--dry-run'], {})).toMatchObject({ ok: true, apply: false });
    expect(parseRegisterArgs(['--apply', '--prune'], {})).toMatchObject({
      ok: true,
      apply: true,
      prune: true,
    });
  });

  it('refuses --apply alongside any dry run, including the one npm swallowed', () => {
    expect(parseRegisterArgs(['--apply', '--dry-run'], {})).toMatchObject({ ok: false });
    expect(parseRegisterArgs(['--apply'], { npm_config_dry_run: 'true' })).toMatchObject({
      ok: false,
      error: expect.stringContaining('npm_config_dry_run'),
    });
  });

  it('says when npm swallowed --prune, and names unknown options', () => {
    const parsed = parseRegisterArgs([], { npm_config_prune: 'true' });
    expect(parsed).toMatchObject({ ok: true, prune: false });
    expect(parsed.ok && parsed.notes[0]).toMatch(/-- --prune/);
    expect(parseRegisterArgs(['--aply'], {})).toMatchObject({
      ok: false,
      error: expect.stringContaining('--aply'),
    });
  });
});

describe('desiredCustomActions', () => {
  const action = (name: string, ajax: boolean, withOptions: boolean): RegisteredAction => ({
    options: { name, label: name, description: '', queue: 'inspect', entityTypes: 'all', ajax },
    handler: {
      handle: () => Promise.resolve(undefined as never),
      ...(withOptions
        ? { options: { schema: class {}, defaults: () => Promise.resolve({}) } }
        : {}),
    },
  });

  it('registers an action that asks for options in form mode, whatever its ajax flag', () => {
    const desired = desiredCustomActions(
      [action('asks', true, true), action('quick', true, false), action('tab', false, false)],
      'http://actions.studio.test',
    );
    expect(desired.map((d) => [d.name, d.is_ajax])).toEqual([
      ['asks', false],
      ['quick', true],
      ['tab', false],
    ]);
  });

  it('registers only the variants that ask for options in form mode (forwarders with fields)', () => {
    const declared = { schema: class {}, defaults: () => Promise.resolve({}) };
    const forward: RegisteredAction = {
      options: { ...action('forward', true, false).options, label: 'Forward' },
      handler: {
        handle: () => Promise.resolve(undefined as never),
        variants: () => ['editorial', 'publish'],
        optionsFor: (variant) => (variant === 'editorial' ? declared : undefined),
      },
    };
    const desired = desiredCustomActions([forward], 'http://actions.studio.test');
    expect(desired.map((d) => [d.url, d.is_ajax])).toEqual([
      ['http://actions.studio.test/actions/forward/editorial', false],
      ['http://actions.studio.test/actions/forward/publish', true],
    ]);
  });
});
