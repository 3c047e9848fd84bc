export * from './schema.ts';
export { openDatabase, migrationsFolder, type OpenedDatabase, type OpenOptions, type PrunebenchDb } from './open.ts';
export { encodeIndices, decodeIndices } from './index-list.ts';
export { contentHash } from './content-hash.ts';
