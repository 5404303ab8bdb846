-- wrk script: each thread is one door scanner sending SCANS check-ins, then stops. With
-- MODE=get it sends as many plain GETs instead (the baselines of the same run).
-- CODES is a file of ticket codes, one per line; each scan takes the next code of this
-- thread's share (a different person each time). Prints p50/p95/p99.
local threads = {}

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

function init(args)
  codes = {}
  for line in io.lines(os.getenv("CODES")) do
    table.insert(codes, line)
  end
  scans = tonumber(os.getenv("SCANS"))
  sent, answered, index = 0, 0, id * scans
  headers = {
    ["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer " .. (os.getenv("TOKEN") or ""),
  }
end

function request()
  if os.getenv("MODE") == "get" then
    return wrk.format("GET")
  end
  sent = sent + 1
  index = index + 1
  local code = codes[(index - 1) % #codes + 1]
  local body = string.format(
    '{"code": "%s", "event": "%s", "door": "door %d", "request_id": "bench-%d-%d"}',
    code, os.getenv("EVENT"), id, id, sent
  )
  return wrk.format("POST", "/api/v1/checkins", headers, body)
end

function response(status, headers, body)
  if status ~= 200 then
    io.write("ERROR " .. status .. " " .. string.sub(body or "", 1, 300) .. "\n")
  end
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
