/** Query parameter names that carry credentials (ours, or a target's own). */
const SECRET_PARAM_NAMES = ['key', 'token', 'secret', 'signature', 'password', 'access_token'];

/** Also hidden in logged URLs: `view` opens a job page for whoever holds the link. */
const REDACTED_QUERY_NAMES = [...SECRET_PARAM_NAMES, 'view'];

const SECRET_QUERY = new RegExp(`([?&](?:${REDACTED_QUERY_NAMES.join('|')})=)[^&#]*`, 'gi');

/** Whether a query parameter is a credential: never copied into a job, a log or an answer. */
export function isSecretParam(name: string): boolean {
  return SECRET_PARAM_NAMES.includes(name.toLowerCase());
}

/** The URL or path with the values of credential and view-token parameters replaced by `[Redacted]`. */
export function redactSecretQuery<T extends string | undefined>(url: T): T {
  // Every match has a `name=`: a URL without `=` (the usual click) is returned without a scan.
  if (url === undefined || !url.includes('=')) return url;
  return url.replace(SECRET_QUERY, '$1[Redacted]') as T;
}
