import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { type BenchmarkHeader, writeBenchmark } from '../format.ts';
import { type ImportOptions, type Importer, ImportError, uniqueImages } from './common.ts';

/** Runs an importer: plans the conversion, copies or writes the images, then writes the benchmark files. */
export async function runImport(importer: Importer, src: string, out: string, options: ImportOptions = {}): Promise<BenchmarkHeader> {
  const plan = await importer.plan(src, options);
  if (plan.samples.length === 0) throw new ImportError(`${src}: the ${importer.id} import found no samples`);
  for (const image of uniqueImages(plan.images)) {
    const target = join(out, ...image.rel.split('/'));
    await mkdir(dirname(target), { recursive: true });
    if ('data' in image) await writeFile(target, image.data);
    else {
      try {
        await copyFile(image.from, target);
      } catch (error) {
        throw new ImportError(`${image.from}: cannot copy image (${(error as NodeJS.ErrnoException).code ?? String(error)})`, { cause: error });
      }
    }
  }
  return writeBenchmark(out, plan.header, plan.samples);
}
