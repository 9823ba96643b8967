import { computeChannelPermissions } from '../permissions/PermissionCalculator.js';
import { hasPermissions, Permissions } from '../permissions/Permissions.js';
import type { ChannelRecord, MemberRecord, MessageRecord } from '../storage/records.js';
import type { TextContext } from '../TextContext.js';

const PAGE = 1000;

/**
 * Counts a new message's mentions in the read states of the users it mentions: directly, through a
 * mentioned role, or through @everyone/@here. Only users who can view the channel are counted (a
 * mention must not reveal a hidden channel's activity), and never the author.
 */
export class MentionNotifier {
  constructor(private readonly ctx: Pick<TextContext, 'storage' | 'now'>) {}

  async notify(channel: ChannelRecord, message: MessageRecord): Promise<void> {
    const targets =
      channel.guildId === null ? this.dmTargets(channel, message) : await this.guildTargets(channel, message);
    targets.delete(message.authorId);
    if (targets.size > 0) await this.ctx.storage.readStates.addMentions(channel.id, [...targets]);
  }

  private dmTargets(channel: ChannelRecord, message: MessageRecord): Set<string> {
    if (message.mentionEveryone) return new Set(channel.recipientIds);
    return new Set(message.mentionUserIds.filter((id) => channel.recipientIds.includes(id)));
  }

  private async guildTargets(channel: ChannelRecord, message: MessageRecord): Promise<Set<string>> {
    const guildId = channel.guildId as string;
    const { storage } = this.ctx;
    const needsScan = message.mentionEveryone || message.mentionRoleIds.length > 0;
    if (!needsScan && message.mentionUserIds.length === 0) return new Set();
    const [guild, roles] = await Promise.all([
      storage.guilds.get(guildId),
      storage.roles.listByGuild(guildId),
    ]);
    if (!guild) return new Set();
    const now = this.ctx.now();
    const targets = new Set<string>();
    const consider = (member: MemberRecord) => {
      const permissions = computeChannelPermissions({ guild, roles, member, channel, now });
      if (hasPermissions(permissions, Permissions.VIEW_CHANNEL)) targets.add(member.userId);
    };
    for (const member of await storage.members.getMany(guildId, message.mentionUserIds)) consider(member);
    if (!needsScan) return targets;
    const mentionedRoles = new Set(message.mentionRoleIds);
    let after: string | undefined;
    for (;;) {
      const page = await storage.members.list(guildId, { limit: PAGE, ...(after ? { after } : {}) });
      for (const member of page) {
        if (message.mentionEveryone || member.roleIds.some((r) => mentionedRoles.has(r))) consider(member);
      }
      if (page.length < PAGE) break;
      after = page[page.length - 1]?.userId;
    }
    return targets;
  }
}
