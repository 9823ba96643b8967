import type { RoleRecord } from '../storage/records.js';

/** Discord v10 role object. */
export interface WireRole {
  id: string;
  name: string;
  color: number;
  colors: { primary_color: number; secondary_color: null; tertiary_color: null };
  hoist: boolean;
  icon: null;
  unicode_emoji: null;
  position: number;
  /** Decimal string bitfield. */
  permissions: string;
  managed: boolean;
  mentionable: boolean;
  flags: number;
}

export function toWireRole(role: RoleRecord): WireRole {
  return {
    id: role.id,
    name: role.name,
    color: role.color,
    colors: { primary_color: role.color, secondary_color: null, tertiary_color: null },
    hoist: role.hoist,
    icon: null,
    unicode_emoji: null,
    position: role.position,
    permissions: role.permissions,
    managed: false,
    mentionable: role.mentionable,
    flags: 0,
  };
}
