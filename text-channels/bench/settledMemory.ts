/**
 * The process's memory once idle: a full GC a second for 8 s (the servers run with --expose-gc).
 * Right after one gc() V8 still holds what it just freed — pages go back to the OS only once its
 * concurrent sweeper is done with them, and the young generation (up to 32 MB) is shrunk only
 * after allocation has been low for a few seconds — so a single early sample counts free memory,
 * by an amount that depends on timing (2–12 KB per session at 10,000 in one build). Measured
 * here: the young generation shrank 4–5 s into an idle period, before and after the sessions.
 */
export async function settledMemory(): Promise<NodeJS.MemoryUsage> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('settledMemory needs --expose-gc');
  gc();
  for (let i = 0; i < 8; i++) {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    gc();
  }
  return process.memoryUsage();
}
