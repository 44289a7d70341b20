/**
 * How long to wait before retrying a store call that failed `failures` times in a row:
 * exponential from 100 ms to 5 s, with full jitter so many workers do not reconnect in
 * step after an outage.
 */
export function retryDelay(failures: number, random: () => number = Math.random): number {
  const ceiling = Math.min(5_000, 100 * 2 ** Math.min(failures, 10));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}
