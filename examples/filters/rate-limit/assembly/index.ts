// rate-limit: token bucket on request headers, refilled from the host clock.
//
// Configuration (JSON, every field optional):
//   {"requestsPerSecond": 2, "burst": 2}
// requestsPerSecond: number > 0 (fractions allowed, e.g. 0.5), default 2.
// burst: integer >= 1, default max(1, ceil(requestsPerSecond)).
//
// The bucket belongs to the root context (one per plugin configuration in a VM), holds up to `burst`
// tokens and starts full at the first request after (re)configuration. Time comes from
// proxy_get_current_time_nanoseconds, never from ticks: one token is earned per
// round(1e9 / requestsPerSecond) ns of host time, in integer arithmetic, so a host with an injected
// clock gets exact, repeatable results. A clock that goes backwards earns nothing.
// A request that finds no token gets a local reply 429 with header `powered-by: proxy-wasm` and
// body "Too many requests\n", and the filter chain stops (StopIteration).
// Root id: rate_limit.

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
import { get_current_time_nanoseconds } from "@solo-io/proxy-runtime/runtime";
import { parseConfig, readPluginConfiguration } from "../../shared/assembly/config";
import { registerRoot } from "../../shared/assembly/contexts";
import { QuietContext } from "../../shared/assembly/quiet-context";

const ROOT_ID = "rate_limit";
const DEFAULT_RPS: f64 = 2;
const NS_PER_SECOND: f64 = 1e9;
const MAX_BURST: f64 = 1000000;

class RateLimitRoot extends RootContext {
  nsPerToken: u64 = 500000000; // 2 requests/second
  capacityNs: u64 = 1000000000; // burst 2
  creditNs: u64 = 0; // earned time; one request costs nsPerToken
  lastNs: u64 = 0;
  started: bool = false;

  createContext(context_id: u32): Context {
    return new RateLimitStream(context_id, this);
  }

  onConfigure(configuration_size: u32): bool {
    let text = readPluginConfiguration(configuration_size);
    if (text === null) {
      log(LogLevelValues.error, ROOT_ID + ": could not read the plugin configuration");
      return false;
    }
    let config = parseConfig(text);
    let rps = config.getNumber("requestsPerSecond", DEFAULT_RPS);
    let defaultBurst = Math.ceil(rps);
    if (defaultBurst < 1) defaultBurst = 1;
    let burst = config.getNumber("burst", defaultBurst);
    if (config.ok && !(rps > 0 && rps <= NS_PER_SECOND)) {
      config.fail('"requestsPerSecond" must be > 0 and <= 1e9');
    }
    if (config.ok && !(burst >= 1 && burst <= MAX_BURST && Math.floor(burst) == burst)) {
      config.fail('"burst" must be an integer from 1 to 1000000');
    }
    if (!config.ok) {
      log(LogLevelValues.error, ROOT_ID + ": rejected configuration: " + config.error);
      return false;
    }
    let perToken = Math.round(NS_PER_SECOND / rps);
    if (perToken < 1) perToken = 1;
    this.nsPerToken = <u64>perToken;
    this.capacityNs = <u64>burst * this.nsPerToken;
    this.started = false; // a new configuration starts with a full bucket
    log(LogLevelValues.info, ROOT_ID + ": " + rps.toString() + " requests/s, burst " + (<u64>burst).toString() +
      ", one token per " + this.nsPerToken.toString() + " ns");
    return true;
  }

  /** Takes one token at host time `now` (ns); false when the bucket is empty. */
  take(now: u64): bool {
    if (!this.started) {
      this.started = true;
      this.creditNs = this.capacityNs;
      this.lastNs = now;
    } else if (now > this.lastNs) {
      let elapsed = now - this.lastNs;
      let room = this.capacityNs - this.creditNs;
      this.creditNs += elapsed < room ? elapsed : room;
      this.lastNs = now;
    }
    if (this.creditNs >= this.nsPerToken) {
      this.creditNs -= this.nsPerToken;
      return true;
    }
    return false;
  }
}

class RateLimitStream extends QuietContext {
  limiter: RateLimitRoot;

  constructor(context_id: u32, root_context: RateLimitRoot) {
    super(context_id, root_context);
    this.limiter = root_context;
  }

  onRequestHeaders(headers: u32, end_of_stream: bool): FilterHeadersStatusValues {
    if (this.limiter.take(get_current_time_nanoseconds())) {
      return FilterHeadersStatusValues.Continue;
    }
    let extra: Array<HeaderPair> = [];
    extra.push(new HeaderPair(String.UTF8.encode("powered-by"), String.UTF8.encode("proxy-wasm")));
    send_local_response(429, "rate_limited", String.UTF8.encode("Too many requests\n"), extra,
      GrpcStatusValues.InvalidCode);
    return FilterHeadersStatusValues.StopIteration;
  }
}

function createRoot(context_id: u32): RootContext {
  return new RateLimitRoot(context_id);
}

registerRoot(createRoot, ROOT_ID);
// Also answer hosts that leave PluginConfig.root_id empty (Envoy then reports plugin_root_id "").
registerRoot(createRoot, "");
