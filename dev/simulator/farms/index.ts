export * from './farm-sim-kit';
export * from './flamenco.simulator';
export * from './afanasy.simulator';
export * from './deadline.simulator';
