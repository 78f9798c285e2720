export { ValidationError, parseOrThrow, type FieldProblem } from './validation-error.js';
export * from './slot.js';
