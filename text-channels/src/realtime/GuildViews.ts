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

/**
 * A session's whole view: its guilds and what it can view in each. Interned too: sessions of the
 * same users-with-the-same-roles share one (an idle session holds one pointer, not a Map), so it
 * is never mutated — a change makes (or finds) another set.
 */
export interface ViewSet {
  readonly views: ReadonlyMap<string, GuildView>;
  /** viewsHash(views): what checkpoints record. */
  readonly hash: string;
  /** The guild ids, in the Map's order (do not mutate). */
  readonly guildIds: string[];
}

export const EMPTY_VIEW_SET: ViewSet = Object.freeze({
  views: new Map<string, GuildView>(),
  hash: '',
  guildIds: Object.freeze([]) as unknown as string[],
});

interface Interned {
  view: GuildView;
  refs: number;
}

interface InternedSet {
  set: ViewSet;
  refs: number;
}

const shortHash = (text: string) => createHash('sha256').update(text).digest('base64url').slice(0, 22);

/**
 * Interns GuildViews by content, and the ViewSets made of them; each is dropped when its last
 * holder releases it. A set holds one reference to each of its views.
 */
export class ViewInterner {
  private readonly views = new Map<string, Interned>();
  private readonly sets = new Map<string, InternedSet>();

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

  /**
   * `set` with the guild's view replaced (or with null, removed): an acquired set. Does not
   * release `set` nor `view`: the caller holds them as before.
   */
  acquireWith(set: ViewSet, guildId: string, view: GuildView | null): ViewSet {
    const views = new Map(set.views);
    if (view) views.set(guildId, view);
    else views.delete(guildId);
    if (views.size === 0) return EMPTY_VIEW_SET;
    const hash = viewsHash(views);
    let interned = this.sets.get(hash);
    if (!interned) {
      for (const v of views.values()) this.retain(v);
      interned = {
        set: Object.freeze({ views, hash, guildIds: Object.freeze([...views.keys()]) as string[] }),
        refs: 0,
      };
      this.sets.set(hash, interned);
    }
    interned.refs++;
    return interned.set;
  }

  releaseSet(set: ViewSet): void {
    if (set === EMPTY_VIEW_SET) return;
    const interned = this.sets.get(set.hash);
    if (!interned || interned.set !== set) return;
    interned.refs--;
    if (interned.refs > 0) return;
    this.sets.delete(set.hash);
    for (const view of set.views.values()) this.release(view);
  }

  private retain(view: GuildView): void {
    const interned = this.views.get(view.hash);
    if (interned) interned.refs++;
  }

  get size(): number {
    return this.views.size;
  }

  get setCount(): number {
    return this.sets.size;
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
