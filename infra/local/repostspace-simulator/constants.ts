export const SIMULATOR_DEFAULTS = {
  host: '127.0.0.1',
  recentDeliveryLimit: 100,
  faultRetryAfterSeconds: 1,
  quotaCode: 'L-SEND-INVITES-RATE',
  /** Far above any valid SendInvites body; larger ones are refused unread. */
  maxBodyBytes: 10 * 1024 * 1024,
} as const;
