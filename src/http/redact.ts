/** Query parameters that carry credentials (ours, or a target's own). */
const SECRET_QUERY = /([?&](?:key|token|secret|signature|password|access_token)=)[^&#]*/gi;

/** The URL or path with the values of credential query parameters replaced by `[Redacted]`. */
export function redactSecretQuery<T extends string | undefined>(url: T): T {
  return (url === undefined ? url : url.replace(SECRET_QUERY, '$1[Redacted]')) as T;
}
