import { Type } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { VoiceOp } from '../../protocol/protocol.js';
import { defineHandler } from '../OpHandler.js';

/**
 * op 5 from a client: ignored by design. Discord clients announce their own speaking; here the
 * server derives it from the audio itself, so a client cannot claim to speak while muted.
 */
export const speaking = defineHandler({
  op: VoiceOp.SPEAKING,
  name: 'SPEAKING',
  when: 'ready',
  serial: false,
  checker: TypeCompiler.Compile(Type.Unknown()),
  handle() {},
});
