import type { Importer } from './common.ts';
import { gqaImporter } from './gqa.ts';
import { mmbenchImporter } from './mmbench.ts';
import { mmeImporter } from './mme.ts';
import { popeImporter } from './pope.ts';
import { refcocoImporter } from './refcoco.ts';
import { scienceqaImporter } from './scienceqa.ts';
import { textvqaImporter } from './textvqa.ts';
import { vqav2Importer } from './vqav2.ts';

/** Every public-benchmark importer, by `--from` id. Adding one: its file here and one line below. */
export const IMPORTERS = {
  vqav2: vqav2Importer,
  gqa: gqaImporter,
  textvqa: textvqaImporter,
  pope: popeImporter,
  mme: mmeImporter,
  scienceqa: scienceqaImporter,
  mmbench: mmbenchImporter,
  refcoco: refcocoImporter,
} as const satisfies Record<string, Importer>;

export type ImporterId = keyof typeof IMPORTERS;

export function getImporter(id: string): Importer {
  if (!Object.hasOwn(IMPORTERS, id)) throw new Error(`unknown importer "${id}" (choose one of ${Object.keys(IMPORTERS).join(', ')})`);
  return IMPORTERS[id as ImporterId];
}

export { runImport } from './run.ts';
export { ImportError, type ImportOptions, type ImportPlan, type Importer } from './common.ts';
export { parseTsv } from './tsv.ts';
