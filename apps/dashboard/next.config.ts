import type { NextConfig } from 'next';

const config: NextConfig = {
  // Workspace packages ship TypeScript sources (exports -> ./src/index.ts).
  transpilePackages: ['@prunebench/db'],
  // Native addon: load it from node_modules at run time instead of bundling it.
  serverExternalPackages: ['better-sqlite3'],
  // `turbo run build` runs `typecheck` (tsc over src, tests, scripts) before `next build`; checking twice costs
  // minutes on small CI machines.
  typescript: { ignoreBuildErrors: true },
  poweredByHeader: false,
};

export default config;
