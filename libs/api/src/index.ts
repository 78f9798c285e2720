export { ValidationError, parseOrThrow, type FieldProblem } from './validation-error.js';
export * from './slot.js';
export { wasmFilterConfigOf } from './slot-wasm-config.js';
export * from './tokens.js';
