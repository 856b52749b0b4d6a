/** Share of calls (0..1 each, at most 1 together) that fail on purpose. */
export interface SimulatorFaults {
  /** Answered 500 `InternalServerException`. */
  internalErrorRate?: number;
  /** The connection is destroyed without an answer. */
  dropConnectionRate?: number;
  /** Never answered; the caller's timeout ends it. */
  hangRate?: number;
  /**
   * Delivered, then the connection is destroyed instead of the 200: the service took the call
   * and its answer was lost, which no caller can tell from a call that never arrived.
   */
  lostAnswerRate?: number;
  /** `Retry-After` on the 500s; 1 when not given. */
  retryAfterSeconds?: number;
}

export type SimulatedFault = 'internalError' | 'drop' | 'hang' | 'lostAnswer';

/** A copy of `faults`. Throws `RangeError` when a rate is outside 0..1 or the rates add up to more than 1. */
export function checkFaults(faults: SimulatorFaults): SimulatorFaults {
  const rates = [
    faults.internalErrorRate,
    faults.dropConnectionRate,
    faults.hangRate,
    faults.lostAnswerRate,
  ];
  const total = rates.reduce<number>((sum, rate) => {
    if (rate !== undefined && !(rate >= 0 && rate <= 1)) {
      throw new RangeError(`Fault rates must be between 0 and 1, got ${rate}`);
    }
    return sum + (rate ?? 0);
  }, 0);
  if (total > 1) throw new RangeError(`Fault rates add up to ${total}, more than 1`);
  return { ...faults };
}

/** The fault one call suffers, if any; `random` is drawn only when some rate is set. */
export function drawFault(
  faults: SimulatorFaults,
  random: () => number,
): SimulatedFault | undefined {
  const internal = faults.internalErrorRate ?? 0;
  const drop = faults.dropConnectionRate ?? 0;
  const hang = faults.hangRate ?? 0;
  const lost = faults.lostAnswerRate ?? 0;
  if (internal + drop + hang + lost === 0) return undefined;
  const draw = random();
  if (draw < internal) return 'internalError';
  if (draw < internal + drop) return 'drop';
  if (draw < internal + drop + hang) return 'hang';
  if (draw < internal + drop + hang + lost) return 'lostAnswer';
  return undefined;
}
