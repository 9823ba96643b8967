import { createHash } from 'node:crypto';
import { computeChannelPermissions } from '../permissions/PermissionCalculator.js';
import { Permissions } from '../permissions/Permissions.js';
import type { ChannelRecord, GuildRecord, MemberRecord, RoleRecord } from '../storage/records.js';

/**
 * What one user can see of one guild: the ids of the channels they hold VIEW_CHANNEL in. Shared
 * (interned): every session with the same roles in a guild points at the same frozen object, which
 * keeps idle sessions small and makes "same view" a pointer comparison.
 */
export interface GuildView {
  readonly guildId: string;
  readonly channelIds: ReadonlySet<string>;
  /** Stable fingerprint of (guild, channel ids): what checkpoints record. */
  readonly hash: string;
}

interface Interned {
  view: GuildView;
  refs: number;
}

const shortHash = (text: string) => createHash('sha256').update(text).digest('base64url').slice(0, 22);

/** Interns GuildViews by content; a view is dropped when its last session releases it. */
export class ViewInterner {
  private readonly views = new Map<string, Interned>();

  acquire(guildId: string, channelIds: readonly string[]): GuildView {
    const sorted = [...channelIds].sort();
    const hash = shortHash(`${guildId}:${sorted.join(',')}`);
    let interned = this.views.get(hash);
    if (!interned) {
      interned = { view: Object.freeze({ guildId, channelIds: new Set(sorted), hash }), refs: 0 };
      this.views.set(hash, interned);
    }
    interned.refs++;
    return interned.view;
  }

  release(view: GuildView): void {
    const interned = this.views.get(view.hash);
    if (!interned) return;
    interned.refs--;
    if (interned.refs <= 0) this.views.delete(view.hash);
  }

  get size(): number {
    return this.views.size;
  }
}

/** The channels of a guild the member can view (Discord's algorithm, permissions module). */
export function visibleChannels(
  guild: GuildRecord,
  roles: readonly RoleRecord[],
  member: MemberRecord,
  channels: readonly ChannelRecord[],
  now: number,
): ChannelRecord[] {
  return channels.filter(
    (channel) =>
      (computeChannelPermissions({ guild, roles, member, channel, now }) & Permissions.VIEW_CHANNEL) !== 0n,
  );
}

/**
 * A session's whole view (guild set and channels) as one fingerprint, independent of Map order.
 * With one guild it is that guild's (interned) view hash: no string per session.
 */
export function viewsHash(views: ReadonlyMap<string, GuildView>): string {
  if (views.size === 0) return '';
  if (views.size === 1) return (views.values().next().value as GuildView).hash;
  const hashes = [...views.values()].map((v) => v.hash).sort();
  return shortHash(hashes.join(';'));
}
