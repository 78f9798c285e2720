// Injection tokens for the framework-free pieces the Nest adapters use.
export const SLOT_SERVICE = Symbol('SlotService');
export const NACK_LEDGER = Symbol('NackLedger');
export const METRICS = Symbol('ServerMetrics');
export const VERIFIER = Symbol('BearerTokenVerifier');
export const HEALTH = Symbol('HealthProbe');
