import type { Identity } from '../identity/InternalIdentity.js';

/** Per-route options every HTTP service reads from `routeOptions.config`. */
export interface RouteAccess {
  /** `none`: public route. Default `required`: secure unless a route says otherwise. */
  auth?: 'none' | 'required';
  /** `user`: bots are refused (account management). Default: users and bots. */
  principals?: 'user' | 'any';
  /** Bot token scope the route needs (users hold every scope). */
  scope?: string;
  /** Rate-limit bucket name; defaults to method + route pattern. */
  bucket?: string;
}

declare module 'fastify' {
  interface FastifyContextConfig extends RouteAccess {}
  interface FastifyRequest {
    /** Who is calling: set by the gateway's auth, or by a service from the signed identity header. */
    identity: Identity | null;
  }
}
