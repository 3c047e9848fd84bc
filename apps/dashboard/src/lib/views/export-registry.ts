import type { PrunebenchDb } from '@prunebench/db';
import type { Table } from '../export/table.ts';
import { pick, type SearchParams } from '../params.ts';
import { loadCatalog } from '../queries/catalog.ts';
import { curveTables, loadCurves, resolveCurveFilters } from './curves-view.ts';
import { fleetTables, loadFleet } from './fleet-view.ts';
import { leaderboardTables, loadLeaderboard, resolveLeaderboardFilters } from './leaderboard-view.ts';
import { disagreementTable, loadDisagreementList, loadSampleDetail, resolveSampleFilters, sampleDetailTable } from './samples-view.ts';
import { loadSweeps, sweepTables } from './sweeps-view.ts';

/**
 * Every page's tables by view name, computed by the same loaders the pages use, so an export is exactly what is
 * on screen for the same filters. Adding a page's export is one entry here.
 */
type Exporter = (db: PrunebenchDb, params: SearchParams) => Table[];

export const EXPORTS: Readonly<Record<string, Exporter>> = {
  leaderboard: (db, params) => {
    const catalog = loadCatalog(db);
    const filters = resolveLeaderboardFilters(catalog, params);
    return filters ? leaderboardTables(loadLeaderboard(db, catalog, filters), filters) : [];
  },
  curves: (db, params) => {
    const filters = resolveCurveFilters(loadCatalog(db), params);
    return filters ? curveTables(loadCurves(db, filters), filters) : [];
  },
  sweeps: (db, params) => sweepTables(loadSweeps(db, params)),
  fleet: (db) => fleetTables(loadFleet(db)),
  disagreements: (db, params) => {
    const filters = resolveSampleFilters(loadCatalog(db), params);
    return filters ? [disagreementTable(loadDisagreementList(db, filters), filters)] : [];
  },
  sample: (db, params) => {
    const catalog = loadCatalog(db);
    const filters = resolveSampleFilters(catalog, params);
    const sampleId = pick(params, 'sample');
    return filters && sampleId ? [sampleDetailTable(loadSampleDetail(db, catalog, filters, sampleId))] : [];
  },
};
