#!/usr/bin/env node
// The workspace packages ship TypeScript sources (internal packages); tsx compiles them on load.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/index.ts');
await main(process.argv);
