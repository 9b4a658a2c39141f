import { Transform } from 'class-transformer';
import { IsInt, IsOptional, IsString, Matches, Max, Min } from 'class-validator';
import { toInt, toList } from '../config/validate-env';

const HOST_PORT = /^[A-Za-z0-9_.-]+:\d{1,5}$/;

/**
 * How to reach Redis beyond a single REDIS_URL: Sentinel (REDIS_SENTINELS + REDIS_SENTINEL_NAME)
 * or Cluster (REDIS_CLUSTER_NODES). REDIS_URL still gives the username, password and db.
 */
export class RedisConfig {
  /** Sentinels as host:port, comma separated; the master is found through them. */
  @Transform(toList)
  @IsString({ each: true })
  @Matches(HOST_PORT, { each: true, message: 'entries like sentinel-1:26379' })
  REDIS_SENTINELS: string[] = [];

  /** The master group name the sentinels monitor. */
  @IsString()
  @Matches(/^[A-Za-z0-9_.-]+$/, { message: 'a sentinel master name like mymaster' })
  REDIS_SENTINEL_NAME = 'mymaster';

  @IsOptional()
  @IsString()
  REDIS_SENTINEL_PASSWORD?: string;

  /** Cluster seed nodes as host:port, comma separated. */
  @Transform(toList)
  @IsString({ each: true })
  @Matches(HOST_PORT, { each: true, message: 'entries like redis-1:6379' })
  REDIS_CLUSTER_NODES: string[] = [];

  /**
   * Replicas that must hold a new job before a click is acknowledged (Redis WAIT). Replication is
   * asynchronous: without it, a job written to a master in the moment before a failover demotes it
   * is acknowledged (202) and then lost. Default: 1 under Sentinel, 0 otherwise. When fewer
   * replicas confirm in time the click is answered 503 with Retry-After (the client asks again).
   */
  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'must be a whole number of replicas (0 turns the check off)' })
  @Min(0)
  @Max(16)
  REDIS_REPLICA_ACKS?: number;

  /** How long a click waits for REDIS_REPLICA_ACKS replicas, in milliseconds. */
  @Transform(toInt)
  @IsInt({ message: 'must be a whole number of milliseconds' })
  @Min(1)
  @Max(60_000)
  REDIS_REPLICA_ACK_TIMEOUT_MS = 1000;

  /** Read again here so the Cluster rule below can check it. */
  @IsString()
  QUEUE_PREFIX = 'kitsu-actions';

  crossCheck(): string[] {
    const problems: string[] = [];
    if (this.REDIS_SENTINELS.length && this.REDIS_CLUSTER_NODES.length) {
      problems.push(
        'REDIS_CLUSTER_NODES: set either REDIS_SENTINELS or REDIS_CLUSTER_NODES, not both',
      );
    }
    // BullMQ's Lua scripts touch several keys of a queue at once; on a Cluster they must share a
    // slot, which only a hash tag in the prefix guarantees.
    if (this.REDIS_CLUSTER_NODES.length && !/\{[^{}]+\}/.test(this.QUEUE_PREFIX)) {
      problems.push(
        `QUEUE_PREFIX: with REDIS_CLUSTER_NODES it must contain a hash tag, e.g. {${this.QUEUE_PREFIX.replace(/[{}]/g, '') || 'kitsu-actions'}} (got "${this.QUEUE_PREFIX}")`,
      );
    }
    if (this.REDIS_CLUSTER_NODES.length && this.REDIS_REPLICA_ACKS) {
      problems.push(
        'REDIS_REPLICA_ACKS: not supported with REDIS_CLUSTER_NODES (WAIT is per node); leave it unset',
      );
    }
    return problems;
  }

  /** Replicas a new job must reach before it is acknowledged (see REDIS_REPLICA_ACKS). */
  get replicaAcks(): number {
    return this.REDIS_REPLICA_ACKS ?? (this.mode === 'sentinel' ? 1 : 0);
  }

  get mode(): 'single' | 'sentinel' | 'cluster' {
    if (this.REDIS_CLUSTER_NODES.length) return 'cluster';
    return this.REDIS_SENTINELS.length ? 'sentinel' : 'single';
  }
}

export function parseHostPort(entry: string): { host: string; port: number } {
  const at = entry.lastIndexOf(':');
  return { host: entry.slice(0, at), port: Number(entry.slice(at + 1)) };
}
