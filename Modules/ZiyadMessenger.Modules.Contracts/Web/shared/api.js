// Shared by the admin dashboard and the web client: calling the server's JSON APIs.
// Errors come back as application/problem+json with a human-readable `error` member; ApiError carries it.

export class ApiError extends Error {
  constructor(status, message, errors) {
    super(message);
    this.status = status;
    this.errors = errors ?? {};
  }
}

/** The message a person should read for a failed response (the contract's `error`, or a fallback). */
export function problemMessage(status, data) {
  if (status === 413 && !data?.error) return "That is larger than the server accepts.";
  if (status === 429 && !data?.error) return "Too many requests; wait a moment and try again.";
  return data?.error ?? data?.detail ?? data?.title ?? `The request failed (${status}).`;
}

/**
 * Makes `api(method, path, body, options)`, which sends JSON with the bearer token and returns the parsed
 * answer (null when empty), or throws ApiError.
 * - `base`: prepended to every path ("" for this origin, or e.g. "http://host:8086"); a function is called each time.
 * - `token`: returns the current token, or null.
 * - `onUnauthorized(path)`: called on a 401 while a token is held; returning true means "the session has ended".
 * - `options.headers`: extra headers for one call.
 */
export function createApi({ base = "", token = () => null, onUnauthorized = () => false } = {}) {
  return async function api(method, path, body, options = {}) {
    const headers = { Accept: "application/json", ...(options.headers ?? {}) };
    const current = token();
    if (current) headers.Authorization = `Bearer ${current}`;
    if (body !== undefined) headers["Content-Type"] = "application/json";
    const prefix = typeof base === "function" ? base() : base;
    let response;
    try {
      response = await fetch(prefix + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal: options.signal });
    } catch (e) {
      if (e?.name === "AbortError") throw e;
      throw new ApiError(0, "The server cannot be reached. Check the network and try again.");
    }
    const text = await response.text();
    let data = null;
    if (text) {
      try { data = JSON.parse(text); } catch { data = null; }
    }
    if (response.status === 401 && current && onUnauthorized(path)) {
      throw new ApiError(401, "Your session has ended. Log in again.");
    }
    if (!response.ok) {
      throw new ApiError(response.status, problemMessage(response.status, data), data?.errors);
    }
    return data;
  };
}
