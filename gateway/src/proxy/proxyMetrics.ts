import { Gauge, Histogram, type Registry } from 'prom-client';

export interface ProxyMetrics {
  /** Per upstream attempt, until the response headers arrive; status is the HTTP status, `timeout` or `error`. */
  upstreamDuration: Histogram<'service' | 'status'>;
  /** 0 closed, 1 half-open, 2 open. */
  breakerState: Gauge<'service'>;
  healthyInstances: Gauge<'service'>;
  websocketConnections: Gauge<'service'>;
}

export function createProxyMetrics(registry: Registry): ProxyMetrics {
  return {
    upstreamDuration: new Histogram({
      name: 'upstream_request_duration_seconds',
      help: 'Time from sending a request upstream to its response headers, by service and status',
      labelNames: ['service', 'status'] as const,
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    }),
    breakerState: new Gauge({
      name: 'breaker_state',
      help: 'Circuit breaker state per upstream service: 0 closed, 1 half-open, 2 open',
      labelNames: ['service'] as const,
      registers: [registry],
    }),
    healthyInstances: new Gauge({
      name: 'upstream_healthy_instances',
      help: 'Upstream instances currently in rotation, by service',
      labelNames: ['service'] as const,
      registers: [registry],
    }),
    websocketConnections: new Gauge({
      name: 'proxied_websocket_connections',
      help: 'WebSocket connections currently proxied to an upstream, by service',
      labelNames: ['service'] as const,
      registers: [registry],
    }),
  };
}
