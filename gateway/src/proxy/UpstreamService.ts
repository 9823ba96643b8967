import type { CheckResult, Logger } from '@driftway/common';
import type { GatewayConfig } from '../config.js';
import type { ProxyMetrics } from './proxyMetrics.js';
import { BREAKER_STATE_VALUE, ServiceBreaker } from './ServiceBreaker.js';
import { UpstreamConnections } from './UpstreamConnections.js';
import { UpstreamPool } from './UpstreamPool.js';

/** Health checks must answer well within one interval; a second at most. */
const MAX_CHECK_TIMEOUT_MS = 1_000;
/** A connect that takes longer than this is a dead or unreachable instance, whatever the route. */
const MAX_CONNECT_TIMEOUT_MS = 5_000;

export function connectTimeoutMs(config: GatewayConfig): number {
  return Math.min(config.upstreamTimeoutMs, MAX_CONNECT_TIMEOUT_MS);
}

/**
 * One upstream service: its instances (health, round robin, kept-alive connections) and its
 * circuit breaker. `name` labels metrics, logs and errors: a route table service (`text`,
 * `voice`) or a listener apart from it (`text-gateway`, text-channels' real-time port).
 */
export class UpstreamService {
  readonly pool: UpstreamPool;
  readonly connections: UpstreamConnections;
  readonly breaker: ServiceBreaker;

  constructor(
    readonly name: string,
    origins: readonly string[],
    config: GatewayConfig,
    metrics: ProxyMetrics,
    logger: Logger,
    healthPath = '/health',
  ) {
    const labels = { service: name };
    this.pool = new UpstreamPool(name, origins, {
      intervalMs: config.upstreamHealthIntervalMs,
      checkTimeoutMs: Math.min(MAX_CHECK_TIMEOUT_MS, config.upstreamHealthIntervalMs),
      healthPath,
      logger,
      onChange: () => metrics.healthyInstances.set(labels, this.pool.healthyCount()),
    });
    this.connections = new UpstreamConnections(origins, { connectTimeoutMs: connectTimeoutMs(config) });
    this.breaker = new ServiceBreaker(name, config.breaker, (state) => {
      metrics.breakerState.set(labels, BREAKER_STATE_VALUE[state]);
      const log = state === 'open' ? logger.warn.bind(logger) : logger.info.bind(logger);
      log({ service: name, breaker: state }, `circuit breaker ${state}`);
    });
    metrics.breakerState.set(labels, BREAKER_STATE_VALUE.closed);
    metrics.healthyInstances.set(labels, this.pool.healthyCount());
  }

  /**
   * For /ready: `up` when closed with a healthy instance; `degraded` when half-open or some
   * instances are out; `down` when open or none is healthy.
   */
  readiness(): CheckResult {
    const breaker = this.breaker.state;
    const instances = this.pool.snapshot();
    const healthy = instances.filter((i) => i.healthy).length;
    let status: CheckResult['status'] = 'up';
    if (breaker === 'open' || healthy === 0) status = 'down';
    else if (breaker === 'half-open' || healthy < instances.length) status = 'degraded';
    return { status, breaker, healthy, instances };
  }

  async close(): Promise<void> {
    this.breaker.shutdown();
    await Promise.all([this.pool.close(), this.connections.close()]);
  }
}
