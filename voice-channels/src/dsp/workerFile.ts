import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** What to hand `new Worker()`: a file, or (for TypeScript sources) a bootstrap script to eval. */
export interface WorkerEntry {
  script: URL | string;
  eval: boolean;
}

/**
 * The worker entry `name` next to the calling module (`base` = its import.meta.url): the compiled
 * `.js` when running from dist; the `.ts` source when running from src under tsx (tests, benchmarks).
 * Node 20 does not apply `--import` loaders to a worker's entry module, so a TypeScript entry is
 * reached through a bootstrap that registers tsx inside the worker first.
 */
export function resolveWorkerEntry(name: string, base: string | URL): WorkerEntry {
  const js = new URL(`./${name}.js`, base);
  if (existsSync(fileURLToPath(js))) return { script: js, eval: false };
  const ts = new URL(`./${name}.ts`, base);
  if (!existsSync(fileURLToPath(ts))) {
    throw new Error(`worker ${name}.js (or .ts) not found next to ${String(base)}`);
  }
  let tsx: string;
  try {
    tsx = import.meta.resolve('tsx/esm/api');
  } catch (error) {
    throw new Error(`worker ${name} is TypeScript source and tsx is not installed`, { cause: error });
  }
  return {
    script: `import(${JSON.stringify(tsx)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(ts.href)}); });`,
    eval: true,
  };
}
