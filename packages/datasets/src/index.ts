export * from './format.ts';
export * from './synthetic/index.ts';
export * from './importers/index.ts';
