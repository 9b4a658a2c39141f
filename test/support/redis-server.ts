// The helpers live in src so the demo can use them too.
export * from '../../src/dev-support/redis-server';
