/** Why a stream was refused; the transport adapter maps this to a gRPC status (INVALID_ARGUMENT). */
export type XdsProtocolErrorReason = 'missing-node' | 'type-url-mismatch';

/** A request that breaks the xDS transport rules: the stream cannot go on and should be closed. */
export class XdsProtocolError extends Error {
  constructor(
    readonly reason: XdsProtocolErrorReason,
    message: string,
  ) {
    super(message);
    this.name = 'XdsProtocolError';
  }
}
