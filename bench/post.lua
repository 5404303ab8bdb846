-- wrk script: POST a form body with a unique email per request (thread id + counter).
-- BODY holds the body with the literal text EMAIL where the address goes; COOKIE the
-- session cookie that goes with the body's CSRF token.
dofile(os.getenv("BENCH_DIR") .. "/percentiles.lua")
local counter = 0
local thread_id = 0
local threads = {}

function setup(thread)
  thread:set("id", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  thread_id = id
  run = os.getenv("RUN") or "0"
end

function request()
  counter = counter + 1
  local email = "bench-" .. run .. "-" .. thread_id .. "-" .. counter .. "@example.org"
  local body = string.gsub(os.getenv("BODY"), "EMAIL", email)
  return wrk.format("POST", nil, {
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["Cookie"] = os.getenv("COOKIE") or "",
  }, body)
end

function response(status, headers, body)
  if status ~= 302 then
    io.write("ERROR " .. status .. " " .. string.sub(body or "", 1, 300) .. "\n")
  end
end
