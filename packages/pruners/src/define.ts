import type { z } from 'zod';
import type { MethodSpec } from './types.ts';

/** Identity with inference: keeps each method's params type precise inside its own file. */
export function defineMethod<S extends z.ZodObject>(spec: MethodSpec<S>): MethodSpec<S> {
  return spec;
}
