// The unhandled error behind a 500, kept by request, for a test client that raises it in the test
// as FastAPI's TestClient does (raise_server_exceptions). Written on the failure path only; a
// WeakMap, so nothing outlives the request.
const errors = new WeakMap<object, unknown>();

export function recordServerError(request: object, error: unknown): void {
  errors.set(request, error);
}

/** The error recorded for this request (once: it is forgotten), or undefined. */
export function takeServerError(request: object): unknown {
  const error = errors.get(request);
  errors.delete(request);
  return error;
}
