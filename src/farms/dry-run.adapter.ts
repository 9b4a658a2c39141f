import { randomUUID } from 'node:crypto';
import { checkFarmJobSpec, frameRange, kitsuMetadata } from './farm-spec';
import type { FarmAdapterEntry } from './farm.registry';
import { shellJoin } from './shell-words';
import type {
  FarmAdapter,
  FarmCallCounts,
  FarmJobSpec,
  FarmJobStatus,
  FarmStats,
  FarmSubmission,
} from './farm.types';

/** What the dry run would have sent, kept in this process's memory. */
export interface DryRunRecord {
  farmJobId: string;
  spec: FarmJobSpec;
  /** The frame list and metadata any farm would get. */
  frames: string;
  metadata: Record<string, string>;
  /** The command line a command-line farm (Afanasy) would get, each argument quoted. */
  commandLine?: string;
  submittedAt: string;
}

const KIND = 'dry-run';
const MAX_RECORDS = 1000;

/**
 * No farm: records the job it would submit and reports it completed at once, so the render
 * action and its comments can be tried without a farm. Nothing is rendered.
 */
export class DryRunAdapter implements FarmAdapter {
  readonly kind = KIND;
  readonly label = 'Dry run (no farm)';
  private readonly records = new Map<string, DryRunRecord>();
  private readonly counts = new Map<string, FarmCallCounts>();

  async submit(spec: FarmJobSpec): Promise<FarmSubmission> {
    this.count('submit');
    checkFarmJobSpec(KIND, spec);
    const record: DryRunRecord = {
      farmJobId: `dry-run-${randomUUID()}`,
      spec: structuredClone(spec),
      frames: frameRange(spec.frameIn, spec.frameOut),
      metadata: { ...spec.metadata, ...kitsuMetadata(spec) },
      ...(spec.commandArgs ? { commandLine: shellJoin(spec.commandArgs) } : {}),
      submittedAt: new Date().toISOString(),
    };
    this.records.set(record.farmJobId, record);
    // A long-running demo must not grow without bound: forget the oldest.
    if (this.records.size > MAX_RECORDS) {
      this.records.delete(this.records.keys().next().value as string);
    }
    return { farmJobId: record.farmJobId, state: 'completed', raw: record };
  }

  async status(farmJobId: string): Promise<FarmJobStatus> {
    this.count('status');
    const known = this.records.has(farmJobId);
    return {
      state: 'completed',
      progress: 100,
      message: known
        ? 'dry run: nothing was rendered'
        : 'dry run: nothing was rendered (submitted by another process)',
      farmStatus: 'dry-run',
    };
  }

  async cancel(): Promise<void> {
    this.count('cancel');
  }

  async ping(): Promise<void> {
    this.count('ping');
  }

  /** Jobs recorded by this process, oldest first. */
  submitted(): DryRunRecord[] {
    return [...this.records.values()];
  }

  stats(): FarmStats {
    const total: FarmCallCounts = { ok: 0, permanentError: 0, transientError: 0, totalMs: 0 };
    const byOperation: Record<string, FarmCallCounts> = {};
    for (const [operation, counts] of this.counts) {
      byOperation[operation] = { ...counts };
      total.ok += counts.ok;
    }
    return { farm: KIND, total, byOperation };
  }

  private count(operation: string): void {
    const counts = this.counts.get(operation) ?? {
      ok: 0,
      permanentError: 0,
      transientError: 0,
      totalMs: 0,
    };
    counts.ok++;
    this.counts.set(operation, counts);
  }
}

export const dryRunFarm: FarmAdapterEntry = {
  label: 'Dry run (no farm)',
  create: () => new DryRunAdapter(),
};
