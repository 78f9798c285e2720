import { describe, expect, it } from 'vitest';
import { EnvoyStats } from './envoy-stats.js';

describe('EnvoyStats', () => {
  it('renders Envoy-named counters in text and Prometheus formats', () => {
    const s = new EnvoyStats();
    s.inc('extension_config_discovery.http_filter.wasmfleet.demo.add-header.config_reload');
    s.inc('extension_config_discovery.http_filter.wasmfleet.demo.add-header.config_reload');
    s.inc('http.ingress_http.downstream_rq_xx', { envoy_response_code_class: '2' });
    expect(s.text()).toContain('extension_config_discovery.http_filter.wasmfleet.demo.add-header.config_reload: 2');
    const prom = s.prometheus();
    expect(prom).toContain('# TYPE envoy_extension_config_discovery_http_filter_wasmfleet_demo_add_header_config_reload counter');
    expect(prom).toContain('envoy_extension_config_discovery_http_filter_wasmfleet_demo_add_header_config_reload 2');
    expect(prom).toContain('envoy_http_ingress_http_downstream_rq_xx{envoy_response_code_class="2"} 1');
  });

  it('renders histograms with cumulative buckets, sum and count', () => {
    const s = new EnvoyStats();
    s.observe('http.ingress_http.downstream_rq_time', 3, { slot: 'a' });
    s.observe('http.ingress_http.downstream_rq_time', 30, { slot: 'a' });
    const prom = s.prometheus();
    expect(prom).toContain('envoy_http_ingress_http_downstream_rq_time_bucket{slot="a",le="5"} 1');
    expect(prom).toContain('envoy_http_ingress_http_downstream_rq_time_bucket{slot="a",le="50"} 2');
    expect(prom).toContain('envoy_http_ingress_http_downstream_rq_time_bucket{slot="a",le="+Inf"} 2');
    expect(prom).toContain('envoy_http_ingress_http_downstream_rq_time_sum{slot="a"} 33');
    expect(prom).toContain('envoy_http_ingress_http_downstream_rq_time_count{slot="a"} 2');
  });

  it('escapes label values', () => {
    const s = new EnvoyStats();
    s.inc('x', { v: 'a"b\\c' });
    expect(s.prometheus()).toContain('envoy_x{v="a\\"b\\\\c"} 1');
  });
});
