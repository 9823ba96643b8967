export { freePort } from './freePort.js';
export { RedisServer } from './RedisServer.js';
export { waitFor } from './waitFor.js';
