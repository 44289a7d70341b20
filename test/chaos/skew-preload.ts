/*
 * Preloaded into a chaos worker to skew its clock: `Date` (constructor without
 * arguments and `Date.now`) runs CHAOS_SKEW_MS ahead (or behind, if negative). The
 * ledger reads `performance`, which this leaves alone.
 */
const skew = Number(process.env.CHAOS_SKEW_MS ?? "0");
const RealDate = Date;
const realNow = RealDate.now.bind(RealDate);

class SkewedDate extends RealDate {
  constructor(...args: unknown[]) {
    if (args.length === 0) super(realNow() + skew);
    else super(...(args as [string | number | Date]));
  }

  static override now(): number {
    return realNow() + skew;
  }
}

globalThis.Date = SkewedDate as DateConstructor;
