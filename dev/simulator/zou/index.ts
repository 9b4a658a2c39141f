export * from './server';
export * from './dataset';
