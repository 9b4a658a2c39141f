import {
  ZouError,
  ZouNetworkError,
  ZouNotAuthenticatedError,
  ZouNotConfiguredError,
  ZouRateLimitedError,
  ZouServerError,
  ZouTimeoutError,
} from '../zou/zou.errors';

/**
 * What was missing when Zou could not confirm something, in words a person can act on: never
 * Zou's own text, a token or an address, only which part failed.
 */
export function zouOutage(error: unknown): string {
  if (error instanceof ZouNotConfiguredError) return 'Zou is not configured here (ZOU_URL)';
  if (error instanceof ZouTimeoutError) return 'Zou (Kitsu’s API) did not answer in time';
  if (error instanceof ZouNetworkError) return 'Zou (Kitsu’s API) could not be reached';
  if (error instanceof ZouRateLimitedError) return 'Zou (Kitsu’s API) asked us to slow down';
  if (error instanceof ZouServerError) return `Zou (Kitsu’s API) failed (HTTP ${error.status})`;
  if (error instanceof ZouNotAuthenticatedError)
    return 'Zou refused this service’s own credentials (ZOU_TOKEN or ZOU_EMAIL/ZOU_PASSWORD)';
  if (error instanceof ZouError)
    return `Zou (Kitsu’s API) gave an unexpected answer${error.status ? ` (HTTP ${error.status})` : ''}`;
  return 'Zou (Kitsu’s API) gave no usable answer';
}
