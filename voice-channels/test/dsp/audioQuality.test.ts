import t from 'tap';
import { noisySpeech } from '../helpers/audioFixtures.js';
import { alignDelay, measureSuppression } from '../helpers/audioQuality.js';

function delayed(pcm: Int16Array, samples: number): Int16Array {
  const out = new Int16Array(pcm.length + samples);
  out.set(pcm, samples);
  return out;
}

t.test('alignment finds the delay a codec path adds', async (t) => {
  const { clean, noisy } = noisySpeech();
  for (const delay of [0, 312, 1_578, 4_801]) {
    t.equal(alignDelay(clean, delayed(noisy, delay)), delay, `${delay} samples`);
  }
});

t.test('a working suppressor passes; silence, noise and a broken gain fail where they should', async (t) => {
  const { clean, noisy } = noisySpeech();
  // Noise with no speech in it, at the fixture's noise level (deterministic LCG).
  let seed = 1;
  const noiseOnly = noisy.map(() => {
    seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
    return (seed / 2_147_483_648 - 0.5) * 400;
  });

  const ideal = measureSuppression(clean, noisy, delayed(clean, 960));
  t.ok(ideal.noiseDropDb > 40, 'clean speech: the noise is gone');
  t.ok(ideal.speechCorrelation > 0.99, 'clean speech: fully correlated');

  const attenuated = measureSuppression(
    clean,
    noisy,
    noisy.map((s) => s / 10),
  );
  t.ok(Math.abs(attenuated.noiseDropDb - 20) < 0.5, `a plain −20 dB gain reads as a 20 dB drop`);

  const silence = measureSuppression(clean, noisy, new Int16Array(noisy.length));
  t.ok(silence.noiseDropDb > 40, 'silence removes the noise…');
  t.ok(silence.speechCorrelation < 0.05, `…but scores ${silence.speechCorrelation.toFixed(3)} on speech`);

  const noise = measureSuppression(clean, noisy, noiseOnly);
  t.ok(
    noise.speechCorrelation < 0.2,
    `noise without the speech scores ${noise.speechCorrelation.toFixed(3)}`,
  );

  const untouched = measureSuppression(clean, noisy, noisy);
  t.ok(Math.abs(untouched.noiseDropDb) < 0.5, 'untouched noisy audio: no drop');
});
