-- wrk script: door scans, POST /api/v1/checkins with a door token, a code and a fresh
-- request id each. CODES is a file of ticket codes, one per line; thread `id` takes its
-- codes from OFFSET + id * PER_THREAD on (a different person each time, and a fresh share
-- in each round). Prints p50/p95/p99 (bench/percentiles.lua).
dofile(os.getenv("BENCH_DIR") .. "/percentiles.lua")
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
  sent = 0
  first = tonumber(os.getenv("OFFSET")) + id * tonumber(os.getenv("PER_THREAD"))
  run = os.getenv("RUN") or "0"
  headers = {
    ["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer " .. (os.getenv("TOKEN") or ""),
  }
end

function request()
  local code = codes[(first + sent) % #codes + 1]
  sent = sent + 1
  local body = string.format(
    '{"code": "%s", "event": "%s", "door": "door %d", "request_id": "bench-%s-%d-%d"}',
    code, os.getenv("EVENT"), id, run, id, sent
  )
  return wrk.format("POST", "/api/v1/checkins", headers, body)
end

function response(status, headers, body)
  if status ~= 200 or not string.find(body or "", '"status":"ok"', 1, true) then
    io.write("ERROR " .. status .. " " .. string.sub(body or "", 1, 300) .. "\n")
  end
end
