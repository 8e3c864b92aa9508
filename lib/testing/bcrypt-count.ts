import { hashTaskCounts } from "../auth/hash-pool";

/**
 * Counts bcrypt comparisons handed to the hashing pool (lib/auth/hash-pool.ts) since the counter was
 * made or last set: `calls.compare = 0` resets, `calls.compare` reads. Work is counted, never timed.
 */
export function bcryptCounter(): { compare: number } {
  let base = hashTaskCounts.compare;
  return {
    get compare() {
      return hashTaskCounts.compare - base;
    },
    set compare(value: number) {
      base = hashTaskCounts.compare - value;
    },
  };
}
