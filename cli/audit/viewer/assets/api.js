/**
 * The page's calls to the viewer's JSON API (same origin only).
 * @module
 */

/** GET `path` with `params` (empty values left out); throws with the API's error code. */
export async function getJson(path, params = {}) {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value !== undefined && value !== null && value !== '') query.set(key, String(value));
  const url = query.size > 0 ? `${path}?${query}` : path;
  const response = await fetch(url, { headers: { accept: 'application/json' }, credentials: 'same-origin' });
  const body = await response.json().catch(() => ({}));
  if (!response.ok) {
    const error = new Error(body?.error?.message ?? `HTTP ${response.status}`);
    error.code = body?.error?.code ?? 'E_INTERNAL';
    throw error;
  }
  return body;
}
