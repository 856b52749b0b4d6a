import { readIntakeConfig } from '../../shared/config/intake-config.ts';
import { buildIntakeHandler } from './build.ts';

export const handler = buildIntakeHandler(readIntakeConfig(process.env));
