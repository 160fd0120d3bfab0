const MASK = '***';
// A path segment that looks like a credential (Slack, Discord and similar webhook URLs carry
// their secret in the path): long, and mixing letters and digits.
const SECRET_LIKE_SEGMENT = /^(?=.*\d)(?=.*[A-Za-z])[A-Za-z0-9_-]{16,}$/;

/**
 * An alert destination as it may be shown: for URLs, query values, credentials, fragments and
 * token-like path segments are masked; chat ids and email addresses are shown as they are.
 */
export function maskDestination(destination: string): string {
  if (!/^https?:\/\//i.test(destination)) return destination;
  let url: URL;
  try {
    url = new URL(destination);
  } catch {
    return MASK;
  }
  const userinfo = url.username || url.password ? `${MASK}@` : '';
  const path = url.pathname
    .split('/')
    .map((segment) => (SECRET_LIKE_SEGMENT.test(segment) ? MASK : segment))
    .join('/');
  const query = [...url.searchParams.keys()].map((key) => `${encodeURIComponent(key)}=${MASK}`).join('&');
  return `${url.protocol}//${userinfo}${url.host}${path}${query ? `?${query}` : ''}${url.hash ? `#${MASK}` : ''}`;
}

/**
 * A secret address (a webhook URL that is its own credential) as it may be shown: the URL's
 * origin and nothing of its path, query or fragment (`https://hooks.slack.com/***`); anything
 * that is not an http(s) URL is masked whole.
 */
export function maskSecretUrl(address: string): string {
  if (!/^https?:\/\//i.test(address)) return MASK;
  try {
    const url = new URL(address);
    return `${url.protocol}//${url.host}/${MASK}`;
  } catch {
    return MASK;
  }
}
