import { readStatusConfig } from '../../shared/config/status-config.ts';
import { buildStatusHandler } from './build.ts';

export const handler = buildStatusHandler(readStatusConfig(process.env));
