import { Counter, Histogram, type Registry } from 'prom-client';
import type { ZouClient } from '../zou/zou.client';

/**
 * Zou calls by route and outcome, with latency, in a registry; chained onto the client's onCall
 * hook. Both roles count the calls they make themselves (the worker makes most of them).
 */
export function countZouCalls(registry: Registry, zou: ZouClient): void {
  const calls = new Counter({
    name: 'kitsu_actions_zou_calls_total',
    help: 'Zou calls from this process by route and outcome',
    labelNames: ['route', 'outcome'] as const,
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'kitsu_actions_zou_call_duration_seconds',
    help: 'Zou call latency by route',
    labelNames: ['route'] as const,
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const previous = zou.onCall;
  zou.onCall = (route, outcome, ms) => {
    previous?.(route, outcome, ms);
    calls.inc({ route, outcome });
    latency.observe({ route }, ms / 1000);
  };
}
