/** Bounds on numbers dsgrade accepts from users: seeds and time limits. */
/**
 * Seeds are whole numbers from 0 to MAX_SEED (2^31 − 1): every one round-trips exactly through
 * the command line, JSON reports and `--seed`, and `flaky`'s seed + i wraps inside the range.
 */
export const MAX_SEED = 0x7fffffff;

/** The longest wait dsgrade accepts anywhere (a test, a scenario, a budget): one day. Node's timers overflow past 2^31 − 1 ms (24.8 days) and fire at once. */
export const MAX_TIMER_SEC = 86_400;
