import { collectDefaultMetrics, Registry } from 'prom-client';

/** A registry per app instance (not prom-client's global) so two instances in one test never clash. */
export function createMetricsRegistry(labels: Record<string, string> = {}): Registry {
  const registry = new Registry();
  registry.setDefaultLabels(labels);
  collectDefaultMetrics({ register: registry });
  return registry;
}
