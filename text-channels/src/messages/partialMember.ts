import type { MemberRecord } from '../storage/records.js';
import { toWireMember, type WireMember } from '../wire/WireMember.js';

/** Discord's partial member (no `user`), as MESSAGE_CREATE and MESSAGE_UPDATE carry it for the author. */
export function partialMember(member: MemberRecord): Omit<WireMember, 'user'> {
  const { user: _user, ...partial } = toWireMember(member, new Map());
  return partial;
}
