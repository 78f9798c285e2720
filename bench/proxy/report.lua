-- wrk script for bench/proxy/run.ts: after the run, prints one line
--   WASMFLEET_RESULT {json}
-- with exact (1 µs resolution) latency statistics from wrk's histogram, which --latency only prints
-- rounded to 2 significant decimals (10 µs steps once latencies are in ms).
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WASMFLEET_RESULT {"requests":%d,"durationUs":%d,"bytes":%d,' ..
    '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
    '"latencyUs":{"min":%d,"mean":%.2f,"stdev":%.2f,"p50":%d,"p90":%d,"p99":%d,"p999":%d,"max":%d}}\n',
    summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency.min, latency.mean, latency.stdev,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency:percentile(99.9), latency.max))
end
