// add-header: adds one response header taken from the plugin configuration.
//
// Configuration (JSON, every field optional):
//   {"header": "x-wasmfleet", "value": "add-header"}
// Empty configuration -> `x-wasmfleet: add-header`. The header name is lower-cased; an empty or
// non-token name, a value with CR/LF/NUL, or malformed JSON makes proxy_on_configure return false.
// Root id: add_header.

export * from "../../shared/assembly/exports"; // the proxy_on_* exports, malloc and proxy_abi_version_0_2_0
import { RootContext, Context, FilterHeadersStatusValues, log, LogLevelValues } from "@solo-io/proxy-runtime";
import { add_header_map_value, HeaderMapTypeValues } from "@solo-io/proxy-runtime/runtime";
import { parseConfig, readPluginConfiguration } from "../../shared/assembly/config";
import { registerRoot } from "../../shared/assembly/contexts";
import { QuietContext } from "../../shared/assembly/quiet-context";
import { validHeaderName, validHeaderValue } from "../../shared/assembly/headers";

const ROOT_ID = "add_header";
const DEFAULT_HEADER = "x-wasmfleet";
const DEFAULT_VALUE = "add-header";

class AddHeaderRoot extends RootContext {
  // Encoded to UTF-8 once per configuration, not per request.
  headerBytes: ArrayBuffer = String.UTF8.encode(DEFAULT_HEADER);
  valueBytes: ArrayBuffer = String.UTF8.encode(DEFAULT_VALUE);

  createContext(context_id: u32): Context {
    return new AddHeaderStream(context_id, this);
  }

  onConfigure(configuration_size: u32): bool {
    let text = readPluginConfiguration(configuration_size);
    if (text === null) {
      log(LogLevelValues.error, ROOT_ID + ": could not read the plugin configuration");
      return false;
    }
    let config = parseConfig(text);
    let header = config.getString("header", DEFAULT_HEADER).toLowerCase();
    let value = config.getString("value", DEFAULT_VALUE);
    if (config.ok && !validHeaderName(header)) config.fail('"header" must be a non-empty HTTP header name');
    if (config.ok && !validHeaderValue(value)) config.fail('"value" must not contain CR, LF or NUL');
    if (!config.ok) {
      log(LogLevelValues.error, ROOT_ID + ": rejected configuration: " + config.error);
      return false;
    }
    this.headerBytes = String.UTF8.encode(header);
    this.valueBytes = String.UTF8.encode(value);
    log(LogLevelValues.info, ROOT_ID + ": adding response header " + header + ": " + value);
    return true;
  }
}

class AddHeaderStream extends QuietContext {
  settings: AddHeaderRoot;

  constructor(context_id: u32, root_context: AddHeaderRoot) {
    super(context_id, root_context);
    this.settings = root_context;
  }

  onResponseHeaders(headers: u32, end_of_stream: bool): FilterHeadersStatusValues {
    add_header_map_value(HeaderMapTypeValues.ResponseHeaders, this.settings.headerBytes, this.settings.valueBytes);
    return FilterHeadersStatusValues.Continue;
  }
}

function createRoot(context_id: u32): RootContext {
  return new AddHeaderRoot(context_id);
}

registerRoot(createRoot, ROOT_ID);
// Also answer hosts that leave PluginConfig.root_id empty (Envoy then reports plugin_root_id "").
registerRoot(createRoot, "");
