-- Shared by the wrk scripts (dofile): print p50/p95/p99 of the run in a form bench/rounds.py
-- reads (wrk's own --latency table has no p95).
function done(summary, latency, requests)
  io.write(string.format(
    "PERCENTILES P50=%dus P95=%dus P99=%dus\n",
    latency:percentile(50), latency:percentile(95), latency:percentile(99)))
end
