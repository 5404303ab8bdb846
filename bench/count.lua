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
  io.write(string.format("LATENCY p50=%d p95=%d p99=%d requests=%d errors=%d\n",
    latency:percentile(50), latency:percentile(95), latency:percentile(99),
    summary.requests, summary.errors.status + summary.errors.connect + summary.errors.read
      + summary.errors.write + summary.errors.timeout))
end
