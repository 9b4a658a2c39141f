import {
  countByKind,
  kindOf,
  namedJitCode,
  nativeCode,
  parseAnnotate,
  parsePerfMap,
} from '../../bench/lib/callgrind';

/** What callgrind_annotate --threshold=100 prints, trimmed to a few functions. */
const ANNOTATED = `--------------------------------------------------------------------------------
Ir
--------------------------------------------------------------------------------
1,000,000 (100.0%)  PROGRAM TOTALS

--------------------------------------------------------------------------------
Ir                   file:function
--------------------------------------------------------------------------------
400,000 (40.00%)  ???:0x0000000028100010 [???]
200,000 (20.00%)  ???:0x0000000028100400'2 [???]
150,000 (15.00%)  ???:v8::internal::compiler::GraphReducer::Reduce(v8::internal::compiler::Node*) [/usr/bin/node]
100,000 (10.00%)  ???:heap::base::SlotCallbackResult v8::internal::Scavenger::ScavengeObject [/usr/bin/node]
 50,000 ( 5.00%)  ???:sha256_block_data_order_avx2 [/usr/bin/node]
 60,000 ( 6.00%)  ???:Builtins_StringAdd_CheckNone [/usr/bin/node]
 40,000 ( 4.00%)  ???:0x0000000029000000 [???]
`;

describe('callgrind reading', () => {
  const counted = parseAnnotate(ANNOTATED);

  it('reads every listed function’s own count, not the program total', () => {
    expect(counted).toHaveLength(7);
    expect(counted[0]).toEqual({ instructions: 400_000, name: '???:0x0000000028100010 [???]' });
    expect(counted.reduce((sum, f) => sum + f.instructions, 0)).toBe(1_000_000);
  });

  it('tells the compiler, the GC and hashing from the program’s own work', () => {
    expect(kindOf(counted[2].name)).toBe('compiler');
    expect(kindOf(counted[3].name)).toBe('gc');
    expect(kindOf(counted[4].name)).toBe('crypto');
    expect(kindOf(counted[5].name)).toBe('program');
    expect(countByKind(counted)).toEqual({
      program: 700_000,
      compiler: 150_000,
      gc: 100_000,
      crypto: 50_000,
    });
  });

  it('names JIT code through node’s perf map, by function, largest first', () => {
    const map = parsePerfMap(
      [
        '28100000 100 JS:*pack /app/node_modules/msgpackr/dist/node.cjs:1796:16',
        '28100400 80 JS:*encodeWith /app/dist/src/queues/encoded-command.js:53:20',
        '28100480 20 JS:~encodeWith /app/dist/src/queues/encoded-command.js:53:20',
      ].join('\n'),
    );
    expect(map.nameAt(0x28100010)).toMatch(/pack/);
    expect(map.nameAt(0x28100100)).toBeUndefined(); // past the end of pack's code
    expect(namedJitCode(counted, map)).toEqual([
      { name: 'JS:*pack /app/node_modules/msgpackr/dist/node.cjs:1796:16', instructions: 400_000 },
      {
        name: 'JS:*encodeWith /app/dist/src/queues/encoded-command.js:53:20',
        instructions: 200_000,
      },
      { name: 'unnamed JIT code', instructions: 40_000 },
    ]);
  });

  it('lists the program’s native code by function, leaving out JIT code, compiler, GC and hashing', () => {
    const more = parseAnnotate(
      `${ANNOTATED} 30,000 ( 3.00%)  ???:Builtins_StringAdd_CheckNone [/usr/lib/libnode.so]\n` +
        ` 90,000 ( 9.00%)  ./string/../sysdeps/x86_64/multiarch/memmove-vec-unaligned-erms.S:__memmove_avx_unaligned_erms [/usr/lib/x86_64-linux-gnu/libc.so.6]\n`,
    );
    expect(nativeCode(more)).toEqual([
      { name: 'Builtins_StringAdd_CheckNone', instructions: 90_000 },
      { name: '__memmove_avx_unaligned_erms', instructions: 90_000 },
    ]);
  });
});
