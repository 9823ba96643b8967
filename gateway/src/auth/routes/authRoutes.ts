import type { FastifyInstance } from 'fastify';
import type { RateLimiter } from '../../ratelimit/RateLimiter.js';
import type { AccountService, TokenPair } from '../AccountService.js';
import { LoginBody, RefreshBody, RegisterBody } from '../schemas.js';
import { toWireUser, type WireUser } from '../wire.js';

/** POST /auth/register, /auth/login, /auth/refresh, /auth/logout. */
export function registerAuthRoutes(
  app: FastifyInstance,
  accounts: AccountService,
  limiter: RateLimiter,
): void {
  const session = (
    user: Parameters<typeof toWireUser>[0],
    tokens: TokenPair,
  ): { user: WireUser } & TokenPair => ({
    user: toWireUser(user, 'self'),
    ...tokens,
  });

  app.post<{ Body: RegisterBody }>(
    '/api/v10/auth/register',
    { schema: { body: RegisterBody }, config: { auth: 'none', bucket: 'auth.register' } },
    async (request, reply) => {
      const { user, tokens } = await accounts.register(request.body);
      // Token responses must never be cached by anything in between (RFC 6749 §5.1).
      reply.code(201).header('Cache-Control', 'no-store');
      return session(user, tokens);
    },
  );

  app.post<{ Body: LoginBody }>(
    '/api/v10/auth/login',
    { schema: { body: LoginBody }, config: { auth: 'none', bucket: 'auth.login' } },
    async (request, reply) => {
      // Per account as well as per IP (the route bucket): rotating addresses buys no extra guesses.
      // Counted before the password check so the answer's timing says nothing about the account.
      await limiter.enforce('auth.login.account', request.body.login.toLowerCase());
      const { user, tokens } = await accounts.login(request.body);
      reply.header('Cache-Control', 'no-store');
      return session(user, tokens);
    },
  );

  app.post<{ Body: RefreshBody }>(
    '/api/v10/auth/refresh',
    { schema: { body: RefreshBody }, config: { auth: 'none', bucket: 'auth.refresh' } },
    async (request, reply) => {
      const { user, tokens } = await accounts.refresh(request.body.refresh_token);
      reply.header('Cache-Control', 'no-store');
      return session(user, tokens);
    },
  );

  // Any body a client sends (Discord's carries push-provider fields) is ignored: it has no meaning here.
  app.post(
    '/api/v10/auth/logout',
    { config: { principals: 'user', bucket: 'auth.logout' } },
    async (request, reply) => {
      const sessionId = request.identity?.sessionId;
      if (sessionId) await accounts.logout(sessionId);
      return reply.code(204).send();
    },
  );
}
