import type { Test } from 'tap';
import { communityContract } from './contract/community.contract.js';
import type { OpenTextStorage } from './contract/fixtures.js';
import { lifecycleContract } from './contract/lifecycle.contract.js';
import { membershipContract } from './contract/membership.contract.js';
import { messagesContract } from './contract/messages.contract.js';
import { reactionsAndReadsContract } from './contract/reactionsAndReads.contract.js';
import { searchContract } from './contract/search.contract.js';

export type { OpenTextStorage } from './contract/fixtures.js';

/**
 * The one contract every text storage adapter must pass (sqlite.test.ts always, mongo.test.ts
 * when MONGO_URL is set). Each subtest opens its own storage through `open` (a fresh, empty
 * database) and closes it when done; the caller removes whatever `open` created. The parts live
 * in contract/, one per group of ports.
 */
export function runTextStorageContract(t: Test, open: OpenTextStorage): void {
  communityContract(t, open);
  membershipContract(t, open);
  messagesContract(t, open);
  searchContract(t, open);
  reactionsAndReadsContract(t, open);
  lifecycleContract(t, open);
}
