import { headToHeadFigures } from '../../bench/report';
import type { HeadToHeadRun } from '../../bench/sections/intake';

const round = (bare: number, peer: number, service: number, p99 = 8): HeadToHeadRun[] => [
  { server: 'bare-http', rps: bare, p99Ms: 5, cpuUsPerRequest: 1e6 / bare, errors: 0 },
  { server: 'naive-nest', rps: peer, p99Ms: 15, cpuUsPerRequest: 1e6 / peer, errors: 0 },
  { server: 'service', rps: service, p99Ms: p99, cpuUsPerRequest: 1e6 / service, errors: 0 },
];

describe('head-to-head figures', () => {
  it('judges on the median of the per-round ratios, so one round in a slow phase does not decide', () => {
    const figures = headToHeadFigures({
      connections: 32,
      durationSec: 3,
      rounds: [
        round(12000, 5000, 9000),
        round(12000, 5000, 9000),
        // A slow phase that fell on the service's turn only.
        round(12000, 5000, 4000, 30),
        round(11000, 4400, 8800),
        round(6000, 2500, 4500),
      ],
    });
    expect(figures.vsPeer).toBeCloseTo(1.8);
    expect(figures.vsBare).toBeCloseTo(0.75);
    expect(figures.vsPeerRange).toEqual([0.8, 2]);
    expect(figures.service.p99Ms).toBe(8);
    expect(figures.service.rps).toBe(8800);
    expect(figures.rounds).toBe(5);
    expect(figures.errors).toBe(0);
  });
});
