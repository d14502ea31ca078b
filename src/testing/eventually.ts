// eventually: waits, bounded, for a condition that background work makes true (events travelling between servers, a sender's queue draining).

/** Polls `check` every 10 ms until it holds; throws, naming `what`, once `timeoutMs` has passed without it. */
export async function eventually(check: () => boolean, what = 'condition', timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
