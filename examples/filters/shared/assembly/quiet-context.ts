// A stream context whose end-of-stream hooks do nothing (AssemblyScript 0.14 source). The SDK's
// defaults (BaseContext.onDone/onDelete, Context.onLog) each build and UTF-8 encode a debug line for
// proxy_log on every request, whatever the host's log level. A filter may still override any of them.

import { Context } from "@solo-io/proxy-runtime";

export class QuietContext extends Context {
  onDone(): bool {
    return true;
  }

  onLog(): void {}

  onDelete(): void {}
}
