// The helpers live in src so the demo can use them too.
export * from '../../dev/support/redis-server';
