// faulty: fails a deterministic share of requests, for rollback demos.
//
// Configuration (JSON, every field optional):
//   {"failureRate": 0.3, "trap": false, "status": 500}
// failureRate: number in [0, 1], default 0.3.  trap: boolean, default false.
// status: integer 200..599, default 500.
//
// Deterministic rule: the root context counts requests (proxy_on_request_headers calls) n = 1, 2, 3, ...;
// the counter restarts at 0 whenever the plugin is (re)configured (and, naturally, with a new VM).
// With ppm = round(failureRate * 1e6), request n fails iff (n * ppm) mod 1e6 < ppm. Then the first N
// requests hold exactly floor(N * ppm / 1e6) failures, spread evenly:
//   0.3 -> requests 4, 7, 10, 14, 17, 20, ...   0.5 -> 2, 4, 6, ...   1 -> all   0 -> none
//   0.25 -> 4, 8, 12, ...                        0.1 -> 10, 20, 30, ...
// A failing request gets a local reply `status` with header `x-wasmfleet-fault: faulty` and body
// "faulty: injected failure on request <n>\n" (StopIteration). With "trap": true the failing request
// instead executes the Wasm `unreachable` instruction inside proxy_on_request_headers (a real trap,
// after one critical proxy_log line). Requests that do not fail pass through untouched.
// Root id: faulty.

export * from "../../shared/assembly/exports"; // the proxy_on_* exports, malloc and proxy_abi_version_0_2_0
import {
  RootContext,
  Context,
  FilterHeadersStatusValues,
  send_local_response,
  HeaderPair,
  GrpcStatusValues,
  log,
  LogLevelValues,
} from "@solo-io/proxy-runtime";
import { parseConfig, readPluginConfiguration } from "../../shared/assembly/config";
import { registerRoot } from "../../shared/assembly/contexts";
import { QuietContext } from "../../shared/assembly/quiet-context";

const ROOT_ID = "faulty";
const PPM: u64 = 1000000;

class FaultyRoot extends RootContext {
  ppm: u64 = 300000;
  trap: bool = false;
  status: u32 = 500;
  requests: u64 = 0;

  createContext(context_id: u32): Context {
    return new FaultyStream(context_id, this);
  }

  onConfigure(configuration_size: u32): bool {
    let text = readPluginConfiguration(configuration_size);
    if (text === null) {
      log(LogLevelValues.error, ROOT_ID + ": could not read the plugin configuration");
      return false;
    }
    let config = parseConfig(text);
    let rate = config.getNumber("failureRate", 0.3);
    let trap = config.getBool("trap", false);
    let status = config.getNumber("status", 500);
    if (config.ok && !(rate >= 0 && rate <= 1)) config.fail('"failureRate" must be between 0 and 1');
    if (config.ok && !(status >= 200 && status <= 599 && Math.floor(status) == status)) {
      config.fail('"status" must be an integer from 200 to 599');
    }
    if (!config.ok) {
      log(LogLevelValues.error, ROOT_ID + ": rejected configuration: " + config.error);
      return false;
    }
    this.ppm = <u64>Math.round(rate * <f64>PPM);
    this.trap = trap;
    this.status = <u32>status;
    this.requests = 0;
    log(LogLevelValues.info, ROOT_ID + ": failing " + this.ppm.toString() + " ppm of requests with " +
      (trap ? "a trap" : "status " + this.status.toString()));
    return true;
  }

  /** Counts one request; true when it must fail. */
  nextFails(): bool {
    this.requests++;
    return ((this.requests % PPM) * this.ppm) % PPM < this.ppm;
  }
}

class FaultyStream extends QuietContext {
  settings: FaultyRoot;

  constructor(context_id: u32, root_context: FaultyRoot) {
    super(context_id, root_context);
    this.settings = root_context;
  }

  onRequestHeaders(headers: u32, end_of_stream: bool): FilterHeadersStatusValues {
    let root = this.settings;
    if (!root.nextFails()) return FilterHeadersStatusValues.Continue;
    let n = root.requests.toString();
    if (root.trap) {
      log(LogLevelValues.critical, ROOT_ID + ": trapping on request " + n);
      unreachable();
    }
    let extra: Array<HeaderPair> = [];
    extra.push(new HeaderPair(String.UTF8.encode("x-wasmfleet-fault"), String.UTF8.encode("faulty")));
    send_local_response(root.status, "faulty_injected",
      String.UTF8.encode("faulty: injected failure on request " + n + "\n"), extra, GrpcStatusValues.InvalidCode);
    return FilterHeadersStatusValues.StopIteration;
  }
}

function createRoot(context_id: u32): RootContext {
  return new FaultyRoot(context_id);
}

registerRoot(createRoot, ROOT_ID);
// Also answer hosts that leave PluginConfig.root_id empty (Envoy then reports plugin_root_id "").
registerRoot(createRoot, "");
