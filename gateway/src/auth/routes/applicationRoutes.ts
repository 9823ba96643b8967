import type { Identity, Storage } from '@driftway/common';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { gatewayErrors } from '../../errors.js';
import type { ApplicationService } from '../ApplicationService.js';
import { ApplicationParams, CreateApplicationBody, CreateTokenBody, TokenParams } from '../schemas.js';
import { toWireApplication, toWireBotToken } from '../wire.js';

/**
 * Bot applications. Management is for the owning user only (`principals: 'user'`); another user's
 * application answers exactly like one that does not exist. `@me` is the bot's own view.
 */
export function registerApplicationRoutes(
  app: FastifyInstance,
  applications: ApplicationService,
  storage: Storage,
): void {
  const manage = { principals: 'user', bucket: 'applications' } as const;
  const owner = (request: FastifyRequest): Identity => request.identity as Identity;

  const present = async (record: Awaited<ReturnType<ApplicationService['getById']>>) => {
    const users = await storage.users.getMany([record.botUserId, record.ownerId]);
    const byId = new Map(users.map((u) => [u.id, u]));
    return toWireApplication(record, byId.get(record.botUserId) ?? null, byId.get(record.ownerId) ?? null);
  };

  app.post<{ Body: CreateApplicationBody }>(
    '/api/v10/applications',
    { schema: { body: CreateApplicationBody }, config: manage },
    async (request, reply) => {
      const { app: record, issued } = await applications.create(owner(request).userId, request.body);
      reply.code(201).header('Cache-Control', 'no-store');
      return {
        ...(await present(record)),
        token: issued.token,
        token_id: issued.record.id,
        scopes: issued.record.scopes,
      };
    },
  );

  app.get('/api/v10/applications', { config: manage }, async (request) => {
    const records = await applications.listByOwner(owner(request).userId);
    return Promise.all(records.map(present));
  });

  // Discord's Get Current Application: what a bot library calls at start-up.
  app.get(
    '/api/v10/applications/@me',
    { config: { scope: 'identify', bucket: 'applications' } },
    async (request) => {
      const identity = owner(request);
      if (identity.kind !== 'bot' || !identity.applicationId)
        throw gatewayErrors.create('BOT_UNKNOWN_APPLICATION');
      return present(await applications.getById(identity.applicationId));
    },
  );

  app.get<{ Params: ApplicationParams }>(
    '/api/v10/applications/:id',
    { schema: { params: ApplicationParams }, config: manage },
    async (request) => present(await applications.getOwned(owner(request).userId, request.params.id)),
  );

  app.delete<{ Params: ApplicationParams }>(
    '/api/v10/applications/:id',
    { schema: { params: ApplicationParams }, config: manage },
    async (request, reply) => {
      await applications.delete(await applications.getOwned(owner(request).userId, request.params.id));
      return reply.code(204).send();
    },
  );

  app.get<{ Params: ApplicationParams }>(
    '/api/v10/applications/:id/tokens',
    { schema: { params: ApplicationParams }, config: manage },
    async (request) => {
      const record = await applications.getOwned(owner(request).userId, request.params.id);
      return (await applications.listTokens(record)).map(toWireBotToken);
    },
  );

  app.post<{ Params: ApplicationParams; Body: CreateTokenBody }>(
    '/api/v10/applications/:id/tokens',
    { schema: { params: ApplicationParams, body: CreateTokenBody }, config: manage },
    async (request, reply) => {
      const record = await applications.getOwned(owner(request).userId, request.params.id);
      const issued = await applications.createToken(record, request.body.scopes);
      reply.code(201).header('Cache-Control', 'no-store');
      return { ...toWireBotToken(issued.record), token: issued.token };
    },
  );

  app.delete<{ Params: TokenParams }>(
    '/api/v10/applications/:id/tokens/:tokenId',
    { schema: { params: TokenParams }, config: manage },
    async (request, reply) => {
      const record = await applications.getOwned(owner(request).userId, request.params.id);
      await applications.revokeToken(record, request.params.tokenId);
      return reply.code(204).send();
    },
  );

  // Discord's Reset Token: every live key of the bot stops working, one new key is returned.
  app.post<{ Params: ApplicationParams }>(
    '/api/v10/applications/:id/bot/reset',
    { schema: { params: ApplicationParams }, config: manage },
    async (request, reply) => {
      const record = await applications.getOwned(owner(request).userId, request.params.id);
      const issued = await applications.reset(record);
      reply.header('Cache-Control', 'no-store');
      return { ...toWireBotToken(issued.record), token: issued.token };
    },
  );
}
