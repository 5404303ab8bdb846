-- wrk script: each thread sends SCANS plain GETs, then stops; prints p50/p95/p99.
function init(args)
  scans = tonumber(os.getenv("SCANS"))
  answered = 0
end

function response(status, headers, body)
  answered = answered + 1
  if answered >= scans then
    wrk.thread:stop()
  end
end

function done(summary, latency, requests)
  -- One request in flight per connection: a scanner's time is the sum of its latencies, so
  -- the throughput of the 8 is connections / mean latency (wrk's own clock also counts the
  -- time it idles after the threads stopped).
  io.write(string.format(
    "LATENCY p50=%d p95=%d p99=%d mean=%d requests=%d status_errors=%d socket_errors=%d\n",
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.mean,
    summary.requests, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write))
end
