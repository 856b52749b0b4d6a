export { SIMULATOR_DEFAULTS } from './constants.ts';
export type { SimulatedDelivery, SimulatorDeliveries } from './delivery-log.ts';
export type { SimulatorFaults } from './faults.ts';
export { startRepostspaceSimulator } from './server.ts';
export type { SimulatorThrottle } from './token-bucket.ts';
export type { RepostspaceSimulator, RepostspaceSimulatorOptions, SimulatorStats } from './types.ts';
export {
  hasValidSignature,
  MAX_CLOCK_SKEW_MS,
  parseAuthorization,
  type ReceivedRequest,
  type SignatureProblem,
  signatureProblem,
} from './verify-sigv4.ts';
