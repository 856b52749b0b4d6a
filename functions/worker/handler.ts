import { readWorkerConfig } from '../../shared/config/worker-config.ts';
import { buildWorkerHandler } from './build.ts';

export const handler = buildWorkerHandler(readWorkerConfig(process.env));
