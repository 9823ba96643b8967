/**
 * The fields each store's `update` may change, shared by the SQLite and MongoDB adapters so the
 * two can never disagree about what a patch touches.
 */

export const USER_UPDATABLE = ['username', 'globalName', 'email', 'passwordHash', 'bot', 'avatar'] as const;

export const APPLICATION_UPDATABLE = ['name', 'description'] as const;
