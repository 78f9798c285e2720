// Domain errors of identity and access; the HTTP and gRPC adapters map them to 401/403/404 and
// UNAUTHENTICATED/PERMISSION_DENIED. No message ever contains a presented token or secret.

/** No usable credential: missing, malformed, unknown, expired or revoked (the message says which). */
export class AuthenticationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AuthenticationError';
  }
}

/** A known principal without the role an action needs. */
export class AuthorizationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AuthorizationError';
  }
}

export class TokenNotFoundError extends Error {
  constructor(readonly tokenId: string) {
    super(`token "${tokenId}" does not exist; list tokens with GET /api/v1/tokens`);
    this.name = 'TokenNotFoundError';
  }
}
