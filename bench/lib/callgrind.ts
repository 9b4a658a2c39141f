/**
 * Reading callgrind's answer: instructions by kind of work, and V8's JIT code named through the
 * map node writes with --perf-basic-prof (callgrind itself sees that code as bare addresses).
 */

/** One function's own instructions as callgrind_annotate lists them. */
export interface CountedFunction {
  instructions: number;
  name: string;
}

/** The self counts of `callgrind_annotate --threshold=100`, one per listed function. */
export function parseAnnotate(text: string): CountedFunction[] {
  const counted: CountedFunction[] = [];
  for (const line of text.split('\n')) {
    const match = /^\s*([\d,]+)\s+\([^)]*\)\s+(.+)$/.exec(line);
    if (!match || match[2].includes('PROGRAM TOTALS')) continue;
    counted.push({ instructions: Number(match[1].replaceAll(',', '')), name: match[2] });
  }
  return counted;
}

export type WorkKind = 'compiler' | 'gc' | 'crypto' | 'program';

/**
 * Which kind of work a function is: V8's optimising compilers (still at work after a warm-up
 * under valgrind, whose threads it serialises), its garbage collector, OpenSSL's hashing (which
 * valgrind runs without the CPU's SHA extensions, so it is overcounted), or the program itself:
 * JIT code, V8's builtins and runtime, Node, libuv and libc.
 */
export function kindOf(name: string): WorkKind {
  if (
    /compiler::|[Mm]aglev|[Tt]urboshaft|RegisterAllocat|InstructionSelector|Zone::|BytecodeGenerator|OptimizedCompilationJob|Deoptimiz/.test(
      name,
    )
  )
    return 'compiler';
  if (
    /Scavenge|Heap::|MarkCompact|Marking|Sweeper|MemoryAllocator|Evacuat|RememberedSet|SlotSet|PagedSpace|NewSpace|heap::base/.test(
      name,
    )
  )
    return 'gc';
  if (/sha256|sha1|EVP_|OPENSSL|ossl_/.test(name)) return 'crypto';
  return 'program';
}

export function countByKind(counted: CountedFunction[]): Record<WorkKind, number> {
  const byKind: Record<WorkKind, number> = { compiler: 0, gc: 0, crypto: 0, program: 0 };
  for (const { instructions, name } of counted) byKind[kindOf(name)] += instructions;
  return byKind;
}

/** A perf map (`/tmp/perf-<pid>.map`): start, size and name of each piece of JIT code. */
export interface PerfMap {
  nameAt(address: number): string | undefined;
}

export function parsePerfMap(text: string): PerfMap {
  const entries: Array<[number, number, string]> = [];
  for (const line of text.split('\n')) {
    const match = /^([0-9a-f]+) ([0-9a-f]+) (.*)$/.exec(line);
    if (match) entries.push([parseInt(match[1], 16), parseInt(match[2], 16), match[3]]);
  }
  entries.sort((a, b) => a[0] - b[0]);
  return {
    nameAt(address) {
      let low = 0;
      let high = entries.length - 1;
      let found: [number, number, string] | undefined;
      while (low <= high) {
        const middle = (low + high) >> 1;
        if (entries[middle][0] <= address) {
          found = entries[middle];
          low = middle + 1;
        } else high = middle - 1;
      }
      return found && address < found[0] + found[1] ? found[2] : undefined;
    },
  };
}

/** JIT code's own instructions by the JavaScript function (or regular expression) it runs. */
export function namedJitCode(counted: CountedFunction[], map: PerfMap): CountedFunction[] {
  const byName = new Map<string, number>();
  for (const { instructions, name } of counted) {
    const address = /^\?\?\?:0x([0-9a-f]+)/.exec(name);
    if (!address) continue;
    const named = map.nameAt(parseInt(address[1], 16)) ?? 'unnamed JIT code';
    byName.set(named, (byName.get(named) ?? 0) + instructions);
  }
  return largestFirst(byName);
}

/**
 * The program's instructions outside JIT code, by function: V8's builtins (Map lookups, promise
 * jobs, string and regexp work called from JIT code), its runtime, Node's C++, libuv and libc.
 * A switch that costs more than its JavaScript shows up here.
 */
export function nativeCode(counted: CountedFunction[]): CountedFunction[] {
  const byName = new Map<string, number>();
  for (const { instructions, name } of counted) {
    if (name.startsWith('???:0x') || kindOf(name) !== 'program') continue;
    // `file:function [object]` as callgrind_annotate prints it: the function is what compares.
    const fn = name.replace(/^[^:]*:/, '').replace(/ \[[^\]]*\]$/, '');
    byName.set(fn, (byName.get(fn) ?? 0) + instructions);
  }
  return largestFirst(byName);
}

function largestFirst(byName: Map<string, number>): CountedFunction[] {
  return [...byName]
    .map(([name, instructions]) => ({ name, instructions }))
    .sort((a, b) => b.instructions - a.instructions);
}
