import { commonErrors } from '@driftway/common';
import t from 'tap';
import { voiceErrors } from '../../src/errors.js';
import { VoiceClose, VoiceCloseReason, VoiceOp } from '../../src/protocol/protocol.js';
import { handlers } from '../../src/signalling/handlers/index.js';

t.test('error codes are unique and never reuse a common code', async (t) => {
  const codes = Object.values(voiceErrors.table).map((e) => e.code);
  t.equal(new Set(codes).size, codes.length, 'unique');
  const common = new Set<number>(Object.values(commonErrors.table).map((e) => e.code));
  t.notOk(
    codes.some((c) => common.has(c)),
    'none shared with commonErrors',
  );
  t.ok(
    codes.every((c) => c >= 90200 && c < 90300),
    'all in the voice range 902xx',
  );
  t.notOk(
    Object.keys(voiceErrors.table).some((k) => k in commonErrors.table),
    'no key shared with commonErrors',
  );
});

t.test('opcodes and close codes are unique, and every close code has a short reason', async (t) => {
  const ops = Object.values(VoiceOp);
  t.equal(new Set(ops).size, ops.length);
  const closes = Object.values(VoiceClose);
  t.equal(new Set(closes).size, closes.length);
  for (const code of closes) {
    t.ok(code >= 4000 && code < 5000);
    t.ok(Buffer.byteLength(VoiceCloseReason[code]) <= 123, `${code} reason fits a close frame`);
  }
});

t.test('only client ops have handlers', async (t) => {
  t.same(
    [...handlers.keys()].sort((a, b) => a - b),
    [
      VoiceOp.IDENTIFY,
      VoiceOp.HEARTBEAT,
      VoiceOp.SPEAKING,
      VoiceOp.ANSWER,
      VoiceOp.CANDIDATE,
      VoiceOp.SELF_STATE,
      VoiceOp.MODERATE,
      VoiceOp.LEAVE,
    ],
  );
});
