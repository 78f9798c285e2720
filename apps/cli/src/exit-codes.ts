// The exit codes scripts can rely on. They are part of the CLI's interface: documented in `wasmfleet --help`
// and apps/cli/README.md, and never renumbered.

export const ExitCode = {
  ok: 0,
  /** anything else: registry or network failure, toolchain missing, compile error */
  failure: 1,
  /** bad flags or arguments, a malformed reference or file; also plain HTTP to a registry not marked --insecure */
  usage: 2,
  /** a tag, repository, blob, file or project that does not exist */
  notFound: 3,
  /** the registry or the management server refused the credentials, or there were none */
  auth: 4,
  /** content is not what was expected: digest or sha256 mismatch, not a proxy-wasm module, the filter refused its
   * configuration, trapped, or missed an expectation in `filter test` */
  verification: 5,
  /** the management server refused a rollout action: a role the token lacks, four-eyes (403), or an action the
   * rollout's phase does not allow, a busy slot, a conflicting change (409) */
  refused: 6,
} as const;

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/** The epilog of `wasmfleet --help`. */
export const EXIT_CODES_HELP = `Exit codes:
  0  ok
  1  failure (registry or network error, missing toolchain, compile error)
  2  usage error (bad flags or arguments, malformed reference or file, plain HTTP without --insecure)
  3  not found (tag, repository, file or project)
  4  authentication error (no or refused credentials: run \`wasmfleet login <host>\` for a registry; give the
     management server a token with --token, --token-file or WASMFLEET_TOKEN)
  5  verification failure (digest/sha256 mismatch, not a proxy-wasm module, filter refused its config,
     trapped, or missed an expectation in \`filter test\`)
  6  refused by the management server (missing role, four-eyes, the rollout's phase does not allow it,
     slot busy)`;
