import OpusScript from 'opusscript';
import t from 'tap';
import { concealmentPacket, opusPacketInfo } from '../../src/dsp/opusPacket.js';

t.test('the TOC byte gives frame size and count (RFC 6716 §3.1)', async (t) => {
  const info = (...bytes: number[]) => {
    const i = opusPacketInfo(Uint8Array.from(bytes));
    return i && [i.frameSamples, i.frameCount];
  };
  t.same(info(0b01001_0_00, 1), [960, 1], 'SILK WB 20 ms, one frame');
  t.same(info(0b01011_0_00, 1), [2_880, 1], 'SILK WB 60 ms');
  t.same(info(0b01111_1_01, 1, 2), [960, 2], 'hybrid FB 20 ms, two equal frames (stereo flag ignored)');
  t.same(info(0b11111_0_10, 1, 2, 3), [960, 2], 'CELT FB 20 ms, two frames of different sizes');
  t.same(info(0b11100_0_11, 4, 0), [120, 4], 'CELT 2.5 ms × 4 (code 3)');
  t.equal(info(), null, 'empty');
  t.equal(info(0b01001_0_01, 1, 2, 3), null, 'code 1 over an odd byte count');
  t.equal(info(0b01001_0_11), null, 'code 3 without its count byte');
  t.equal(info(0b01001_0_11, 0), null, 'code 3 with zero frames');
  t.equal(info(0b01011_0_11, 3), null, 'more than 120 ms');
});

t.test('a concealment packet makes the decoder conceal exactly one packet’s duration', async (t) => {
  const codec = new OpusScript(48_000, 1, OpusScript.Application.VOIP);
  t.teardown(() => codec.delete());
  const packets = [480, 960, 1_920].map((frameSize) => codec.encode(Buffer.alloc(frameSize * 2), frameSize));
  // Two 10 ms frames in one packet (code 1), as some encoders send 20 ms.
  const tenMs = packets[0] as Buffer;
  packets.push(
    Buffer.concat([Buffer.from([((tenMs[0] ?? 0) & 0xfc) | 1]), tenMs.subarray(1), tenMs.subarray(1)]),
  );
  for (const packet of packets) {
    const info = opusPacketInfo(packet);
    if (!info) throw new Error('invalid test packet');
    t.equal(codec.decode(packet).length / 2, info.samples, `the packet holds ${info.samples} samples`);
    const concealed = codec.decode(Buffer.from(concealmentPacket(info)));
    t.equal(
      concealed.length / 2,
      info.samples,
      `${info.frameCount} × ${info.frameSamples} samples concealed`,
    );
  }
});
