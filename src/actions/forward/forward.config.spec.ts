import { ConfigError, validateEnv } from '../../config/validate-env';
import type { OptionSelection } from '../action.types';
import { optionFieldsOf } from '../option-fields';
import { ForwardConfig } from './forward.config';

const SECRET = 'a-secret-of-enough-length';

function load(forwarders: unknown, extra: Record<string, string> = {}): ForwardConfig {
  return validateEnv(ForwardConfig, { FORWARDERS: JSON.stringify(forwarders), ...extra });
}

function problems(forwarders: unknown, extra: Record<string, string> = {}): string[] {
  try {
    load(forwarders, extra);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe('ForwardConfig', () => {
  it('reads forwarders with defaults, and a secret from its own variable', () => {
    const config = load(
      [
        { name: 'publish', url: 'https://pipe.studio.test/hook', secret: SECRET },
        { name: 'ingest', url: 'http://10.0.0.5:8000/x', secretEnv: 'INGEST_SECRET', attempts: 2 },
      ],
      { INGEST_SECRET: SECRET, FORWARD_TIMEOUT_MS: '2500' },
    );
    expect(config.forwarders).toEqual([
      expect.objectContaining({
        name: 'publish',
        label: 'publish',
        secret: SECRET,
        timeoutMs: 2500,
        attempts: 5,
        comment: false,
        entityTypes: null,
        include: ['entity', 'task_type', 'task_status', 'project', 'assignees'],
      }),
      expect.objectContaining({ name: 'ingest', secret: SECRET, attempts: 2 }),
    ]);
  });

  it('has no forwarders when none are configured', () => {
    expect(validateEnv(ForwardConfig, {}).forwarders).toEqual([]);
  });

  it('names the forwarder and the reason for every problem', () => {
    const found = problems([
      { name: 'Bad Name', url: 'https://x.test', secret: SECRET },
      { name: 'ftp', url: 'ftp://files.test/in', secret: SECRET },
      { name: 'creds', url: 'https://user:pw@x.test/', secret: SECRET },
      { name: 'nosecret', url: 'https://x.test/' },
      { name: 'short', url: 'https://x.test/', secret: 'short' },
      { name: 'envless', url: 'https://x.test/', secretEnv: 'UNSET_SECRET' },
      { name: 'parts', url: 'https://x.test/', secret: SECRET, include: ['entity', 'password'] },
      { name: 'types', url: 'https://x.test/', secret: SECRET, entityTypes: ['shot', 'film'] },
      { name: 'tries', url: 'https://x.test/', secret: SECRET, attempts: 9 },
      { name: 'tries', url: 'https://x.test/', secret: SECRET },
    ]);
    expect(found).toEqual([
      'FORWARDERS[0]: name must be lower-case letters, digits and dashes',
      'FORWARDERS[1]: forwarder "ftp" url must be http or https',
      'FORWARDERS[2]: forwarder "creds" url must not carry credentials; use secret',
      expect.stringMatching(/^FORWARDERS\[3\]: forwarder "nosecret" needs a signing secret/),
      expect.stringMatching(/^FORWARDERS\[4\]: forwarder "short" needs a signing secret/),
      expect.stringMatching(/"envless" needs a signing secret .* in UNSET_SECRET$/),
      expect.stringMatching(/^FORWARDERS\[6\]: unknown include part\(s\) password/),
      'FORWARDERS[7]: unknown entity type(s) film',
      'FORWARDERS[8]: attempts must be an integer from 1 to 5',
      'FORWARDERS[9]: forwarder "tries" defined twice',
    ]);
  });

  it('reads declared option fields, and a forwarder without any asks nothing', async () => {
    const config = load([
      {
        name: 'editorial',
        url: 'https://x.test/',
        secret: SECRET,
        options: [
          { name: 'note', kind: 'text', label: 'Note to editorial', maxLength: 200 },
          { name: 'urgent', kind: 'boolean', label: 'Urgent', default: false },
        ],
      },
      { name: 'plain', url: 'https://x.test/', secret: SECRET },
    ]);
    const [editorial, plain] = config.forwarders;
    expect(plain.options).toBeNull();
    expect(optionFieldsOf(editorial.options!.schema).map((f) => [f.name, f.kind])).toEqual([
      ['note', 'text'],
      ['urgent', 'boolean'],
    ]);
    expect(await editorial.options!.defaults({} as OptionSelection)).toEqual({
      note: '',
      urgent: false,
    });
  });

  it('stops start-up naming the forwarder and the field of a bad declaration', () => {
    expect(
      problems([
        {
          name: 'editorial',
          url: 'https://x.test/',
          secret: SECRET,
          options: [
            { name: 'note', kind: 'text', maxLength: -1 },
            { name: 'urgent', kind: 'boolean', default: 'maybe' },
          ],
        },
        { name: 'listless', url: 'https://x.test/', secret: SECRET, options: { note: 'text' } },
      ]),
    ).toEqual([
      'FORWARDERS[0]: forwarder "editorial" option "note": maxLength must be a whole number from 1 to 10000',
      'FORWARDERS[0]: forwarder "editorial" option "urgent": default must be true or false',
      'FORWARDERS[1]: forwarder "listless" options must be a list of at most 20 fields',
    ]);
  });

  it('refuses JSON that is not a list', () => {
    expect(() => validateEnv(ForwardConfig, { FORWARDERS: '{"x":' })).toThrow(
      /FORWARDERS: not readable JSON/,
    );
    expect(problems({ name: 'x' })).toEqual(['FORWARDERS: expected a JSON array of forwarders']);
  });
});
