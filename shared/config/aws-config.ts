import { type Environment, nonEmpty } from './environment.ts';

/** Services whose endpoint the standard `AWS_ENDPOINT_URL_<SERVICE>` variables override. */
export type EndpointService = 'SQS' | 'DYNAMODB' | 'REPOSTSPACE';

/**
 * The endpoint configured for a service the standard way: `AWS_ENDPOINT_URL_<SERVICE>`, else
 * `AWS_ENDPOINT_URL`; none when `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS` is `true`.
 */
export function configuredEndpoint(env: Environment, service: EndpointService): string | undefined {
  if (env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS?.trim().toLowerCase() === 'true') return undefined;
  return nonEmpty(env[`AWS_ENDPOINT_URL_${service}`]) ?? nonEmpty(env.AWS_ENDPOINT_URL);
}

/** The region from `AWS_REGION`, else `AWS_DEFAULT_REGION`; undefined when neither is set. */
export function configuredRegion(env: Environment): string | undefined {
  return nonEmpty(env.AWS_REGION) ?? nonEmpty(env.AWS_DEFAULT_REGION);
}

/** Whether `value` is an http(s) URL, as an endpoint must be. */
export function isHttpUrl(value: string): boolean {
  try {
    const { protocol } = new URL(value);
    return protocol === 'http:' || protocol === 'https:';
  } catch {
    return false;
  }
}
