import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { KitsuActionRequestDto, parseKitsuRequest, plainlyValid } from './kitsu-request';

const UUID = '6d9a0d4c-9b1e-4b5a-9d5e-2c1f3a4b5c6d';
const base = {
  personId: UUID,
  personEmail: 'artist@studio.example',
  projectId: null as string | null,
  originPath: '/productions/x/shots',
  originServer: 'kitsu.example',
  taskIds: [UUID],
  entityType: 'shot' as string | null,
};

function classValidatorAccepts(plain: Record<string, unknown>): boolean {
  return (
    validateSync(plainToInstance(KitsuActionRequestDto, plain), { forbidUnknownValues: false })
      .length === 0
  );
}

/** A tiny seeded generator, so the fuzzing below is the same on every run. */
function seeded(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648;
  };
}

const TRICKY_EMAILS = [
  'a@b.co',
  'A.B-c_d+e@Sub.Example.ORG',
  'a..b@x.com',
  '.a@x.com',
  'a.@x.com',
  'a@-x.com',
  'a@x-.com',
  'a@x.c',
  'a@x.123',
  'a@x.com.',
  'a@x_y.com',
  'a@@x.com',
  'a b@x.com',
  'é@x.com',
  'a@xn--bcher-kva.com',
  'a@localhost',
  'a@[127.0.0.1]',
  '"quoted"@x.com',
  `${'x'.repeat(64)}@x.com`,
  `${'x'.repeat(65)}@x.com`,
  `a@${'d'.repeat(63)}.com`,
  `a@${'d'.repeat(64)}.com`,
  `a@${Array.from({ length: 60 }, () => 'abc').join('.')}.com`,
];

const TRICKY_UUIDS = [
  UUID,
  UUID.toUpperCase(),
  '00000000-0000-0000-0000-000000000000',
  'ffffffff-ffff-ffff-ffff-ffffffffffff',
  '6d9a0d4c-9b1e-0b5a-9d5e-2c1f3a4b5c6d',
  '6d9a0d4c-9b1e-9b5a-9d5e-2c1f3a4b5c6d',
  '6d9a0d4c-9b1e-4b5a-cd5e-2c1f3a4b5c6d',
  '6d9a0d4c9b1e4b5a9d5e2c1f3a4b5c6d',
  '{6d9a0d4c-9b1e-4b5a-9d5e-2c1f3a4b5c6d}',
  '6d9a0d4c-9b1e-4b5a-9d5e-2c1f3a4b5c6g',
];

describe('plainlyValid, the fast path of request validation', () => {
  it('takes the fast path for an ordinary Kitsu click', () => {
    expect(plainlyValid(base)).toBe(true);
    expect(plainlyValid({ ...base, projectId: UUID, entityType: null })).toBe(true);
  });

  it('never accepts what class-validator would reject (tricky emails and ids)', () => {
    const cases: Record<string, unknown>[] = [];
    for (const email of TRICKY_EMAILS) cases.push({ ...base, personEmail: email });
    for (const id of TRICKY_UUIDS) {
      cases.push({ ...base, personId: id });
      cases.push({ ...base, projectId: id });
      cases.push({ ...base, taskIds: [UUID, id] });
    }
    cases.push({ ...base, taskIds: [] }, { ...base, taskIds: 'x' }, { ...base, taskIds: [1] });
    cases.push({ ...base, entityType: 'Shot' }, { ...base, entityType: 'task' });
    cases.push(
      { ...base, originPath: 'p'.repeat(2001) },
      { ...base, originServer: 's'.repeat(256) },
    );
    cases.push({ ...base, personEmail: 42 }, { ...base, personId: undefined });
    let fast = 0;
    for (const plain of cases) {
      if (!plainlyValid(plain)) continue;
      fast++;
      expect({ plain, accepted: classValidatorAccepts(plain) }).toEqual({ plain, accepted: true });
    }
    expect(fast).toBeGreaterThan(5); // the comparison did look at accepted cases
  });

  it('never accepts what class-validator would reject (random emails)', () => {
    const random = seeded(11);
    const alphabet = 'aZ09._-+@!#é "[]';
    for (let i = 0; i < 3000; i++) {
      const length = 3 + Math.floor(random() * 20);
      let email = '';
      for (let k = 0; k < length; k++) email += alphabet[Math.floor(random() * alphabet.length)];
      if (random() < 0.5) email += ['.com', '.io', '.c0', '.x'][Math.floor(random() * 4)];
      const plain = { ...base, personEmail: email };
      if (plainlyValid(plain))
        expect({ email, ok: classValidatorAccepts(plain) }).toEqual({ email, ok: true });
    }
  });

  it('leaves the wording of errors to class-validator', () => {
    const body = { userid: 'nope', useremail: 'x', selection: [UUID] };
    expect(() => parseKitsuRequest(body, { maxSelection: 10, format: 'ajax' })).toThrow(
      /userid: must be a UUID.*useremail: must be an email address/,
    );
  });
});

describe('parseKitsuRequest and broken Unicode', () => {
  it.each(['useremail', 'userid', 'originurl', 'originserver', 'entitytype', 'productionid'])(
    'refuses a lone surrogate in %s with a 400 naming the field, never a URIError',
    (field) => {
      const body: Record<string, unknown> = {
        userid: UUID,
        useremail: 'artist@studio.example',
        selection: [UUID],
        [field]: field === 'useremail' ? 'a\ud800b@example.com' : 'x\udc00',
      };
      let thrown: unknown;
      try {
        parseKitsuRequest(body, { maxSelection: 10, format: 'ajax' });
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toMatchObject({
        status: 400,
        problems: [{ field, reason: 'is not valid Unicode text (a lone surrogate)' }],
      });
    },
  );

  it('refuses a lone surrogate inside the selection and keeps a proper pair', () => {
    expect(() =>
      parseKitsuRequest(
        { userid: UUID, useremail: 'a@b.co', selection: [UUID, '\ud83d'] },
        { maxSelection: 10, format: 'ajax' },
      ),
    ).toThrow(/selection: is not valid Unicode text/);
    const ok = parseKitsuRequest(
      { userid: UUID, useremail: 'a@b.co', selection: [UUID], originurl: '/x\ud83d\ude00' },
      { maxSelection: 10, format: 'ajax' },
    );
    expect(ok.originPath).toBe('/x\ud83d\ude00');
  });
});
