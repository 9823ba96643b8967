import type { FastifyInstance } from 'fastify';

export type CheckStatus = 'up' | 'degraded' | 'down';
export interface CheckResult {
  status: CheckStatus;
  detail?: string;
  [extra: string]: unknown;
}
export interface ReadinessCheck {
  name: string;
  /** A required check that is down makes the service not ready (503); optional ones only degrade it. */
  required: boolean;
  run: () => Promise<CheckResult> | CheckResult;
}

const CHECK_TIMEOUT_MS = 1_000;

/**
 * `/health` answers while the process can serve at all (liveness: never touches dependencies, so
 * a dead Redis does not get the pod restarted). `/ready` runs every check with a timeout.
 */
export function registerHealthRoutes(app: FastifyInstance, checks: ReadinessCheck[]): void {
  app.get('/health', { config: { auth: 'none' } }, async () => ({ status: 'ok' }));
  app.get('/ready', { config: { auth: 'none' } }, async (_request, reply) => {
    const results = await Promise.all(checks.map((c) => runWithTimeout(c)));
    const byName: Record<string, CheckResult> = {};
    let status = 'ready' as 'ready' | 'degraded' | 'unavailable';
    checks.forEach((check, i) => {
      const result = results[i] as CheckResult;
      byName[check.name] = result;
      if (result.status === 'down' && check.required) status = 'unavailable';
      else if (result.status !== 'up' && status === 'ready') status = 'degraded';
    });
    reply.code(status === 'unavailable' ? 503 : 200);
    return { status, checks: byName };
  });
}

async function runWithTimeout(check: ReadinessCheck): Promise<CheckResult> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      Promise.resolve().then(() => check.run()),
      new Promise<CheckResult>((resolve) => {
        timer = setTimeout(() => resolve({ status: 'down', detail: 'check timed out' }), CHECK_TIMEOUT_MS);
      }),
    ]);
  } catch (err) {
    return { status: 'down', detail: err instanceof Error ? err.message : String(err) };
  } finally {
    clearTimeout(timer);
  }
}
