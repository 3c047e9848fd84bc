export * from './format.ts';
export * from './synthetic/index.ts';
