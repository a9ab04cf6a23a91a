-- Appended to every script bench.RunWrk gives wrk: prints one machine-readable
-- line with the counts and the latency percentiles wrk's text report lacks
-- (p99.9). wrk calls done once, after the run, so it costs nothing per request.
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "narwhal-wrk requests=%d duration_us=%d bytes=%d connect=%d read=%d write=%d status=%d timeout=%d p50_us=%d p99_us=%d p999_us=%d max_us=%d\n",
    summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(99), latency:percentile(99.9), latency.max))
end
