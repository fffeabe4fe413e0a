-- Replays requests from a file, one picked at random for every request, and
-- reports one machine-readable line at the end.
--
--   wrk -s bench/lua/requests.lua http://HOST:PORT -- REQUESTS_FILE
--
-- REQUESTS_FILE (written by bench/scenarios.py), tab-separated, one per line:
--   H <TAB> Header-Name <TAB> value            sent with every request
--   R <TAB> METHOD <TAB> /path?query <TAB> body  one candidate request (body may be empty)
--
-- Errors counted: every response outside 200-299 (wrk itself only counts >= 400)
-- plus wrk's socket errors (connect, read, write, timeout).

local threads = {}
local thread_count = 0

function setup(thread)
  thread_count = thread_count + 1
  thread:set("thread_number", thread_count)
  table.insert(threads, thread)
end

local prepared = {}
non2xx = 0
first_failure = ""

local function split_tabs(line)
  local fields = {}
  for field in (line .. "\t"):gmatch("([^\t]*)\t") do
    table.insert(fields, field)
  end
  return fields
end

function init(args)
  local headers = {}
  local specs = {}
  for line in io.lines(args[1]) do
    local fields = split_tabs(line)
    if fields[1] == "H" then
      headers[fields[2]] = fields[3]
    elseif fields[1] == "R" then
      table.insert(specs, fields)
    end
  end
  for i, fields in ipairs(specs) do
    local body = fields[4]
    if body == nil or body == "" then
      body = nil
    end
    prepared[i] = wrk.format(fields[2], fields[3], headers, body)
  end
  math.randomseed(os.time() * 1000 + (thread_number or 0))
end

function request()
  return prepared[math.random(#prepared)]
end

function response(status, headers, body)
  if status < 200 or status > 299 then
    non2xx = non2xx + 1
    if first_failure == "" then
      first_failure = tostring(status) .. " " .. string.sub(body or "", 1, 300)
    end
  end
end

function done(summary, latency, requests)
  local failures = 0
  local sample = ""
  for _, thread in ipairs(threads) do
    failures = failures + (thread:get("non2xx") or 0)
    local seen = thread:get("first_failure")
    if sample == "" and seen ~= nil then
      sample = seen
    end
  end
  local errors = summary.errors
  io.write(string.format(
    "BENCH_RESULT requests=%d duration_us=%d bytes=%d p50_us=%d p90_us=%d p99_us=%d"
      .. " max_us=%d mean_us=%d non2xx=%d connect=%d read=%d write=%d timeout=%d\n",
    summary.requests, summary.duration, summary.bytes,
    latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency.max, latency.mean, failures,
    errors.connect, errors.read, errors.write, errors.timeout))
  if sample ~= "" then
    io.write("BENCH_FAILURE " .. sample:gsub("[\r\n]", " ") .. "\n")
  end
end
