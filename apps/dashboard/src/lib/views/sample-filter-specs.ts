import type { FilterSpec } from '../../components/filter-bar.tsx';
import type { Catalog } from '../queries/catalog.ts';
import type { SampleFilters } from './samples-view.ts';

export function sampleFilterSpecs(catalog: Catalog, filters: SampleFilters): FilterSpec[] {
  return [
    { name: 'model', label: 'Model', value: filters.model, options: catalog.models.map((m) => ({ value: m, label: m })) },
    { name: 'benchmark', label: 'Benchmark', value: filters.benchmark, options: (catalog.benchmarksByModel.get(filters.model) ?? []).map((b) => ({ value: b, label: b })) },
    { name: 'keep', label: 'Budget', value: String(filters.keep), options: (catalog.keepsByModel.get(filters.model) ?? []).map((k) => ({ value: String(k), label: `${k} tokens` })) },
    { name: 'policy', label: 'Position policy', value: filters.policy ?? '', options: [{ value: '', label: 'All policies' }, ...catalog.policies.map((p) => ({ value: p, label: p }))] },
  ];
}
