// Injection tokens for the framework-free pieces the Nest adapters use.
export const SLOT_SERVICE = Symbol('SlotService');
export const NACK_LEDGER = Symbol('NackLedger');
export const METRICS = Symbol('ServerMetrics');
export const VERIFIER = Symbol('BearerTokenVerifier');
export const HEALTH = Symbol('HealthProbe');
export const TOKEN_SERVICE = Symbol('TokenService');
export const ROLLOUT_SERVICE = Symbol('RolloutService');
export const ROLLOUT_STORE = Symbol('RolloutStore');
export const SERVER_EVENTS = Symbol('ServerEvents');
export const MODULE_CACHE = Symbol('ModuleCache');
