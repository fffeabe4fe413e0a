-- Replays requests from a file, one picked at random for every request, and
-- reports one machine-readable line at the end.
--
--   wrk -s bench/lua/requests.lua http://HOST:PORT -- REQUESTS_FILE [RUN_TAG]
--
-- REQUESTS_FILE (written by bench/wrk.py), tab-separated, one per line:
--   H <TAB> Header-Name <TAB> value              sent with every request
--   U <TAB> Header-Name <TAB> prefix             sent with every request, with a value
--                                                unique to the request:
--                                                prefix-RUN_TAG-thread-counter
--   R <TAB> METHOD <TAB> /path?query <TAB> body [<TAB> Name: value …]
--                                                one candidate request (body may be
--                                                empty), with its own extra headers
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
local specs = {}
local unique = {}
local run_tag = "run"
local counter = 0
non2xx = 0
first_failure = ""

local function split_tabs(line)
  local fields = {}
  for field in (line .. "\t"):gmatch("([^\t]*)\t") do
    table.insert(fields, field)
  end
  return fields
end

local function merged(base, fields)
  local headers = {}
  for name, value in pairs(base) do
    headers[name] = value
  end
  for i = 5, #fields do
    local name, value = fields[i]:match("^([^:]+): (.*)$")
    if name ~= nil then
      headers[name] = value
    end
  end
  return headers
end

function init(args)
  local headers = {}
  local lines = {}
  for line in io.lines(args[1]) do
    local fields = split_tabs(line)
    if fields[1] == "H" then
      headers[fields[2]] = fields[3]
    elseif fields[1] == "U" then
      table.insert(unique, {fields[2], fields[3]})
    elseif fields[1] == "R" then
      table.insert(lines, fields)
    end
  end
  if args[2] ~= nil and args[2] ~= "" then
    run_tag = args[2]
  end
  for i, fields in ipairs(lines) do
    local body = fields[4]
    if body == nil or body == "" then
      body = nil
    end
    -- requests without headers of their own share the common table (no copy per request)
    local own = headers
    if #fields > 4 then
      own = merged(headers, fields)
    end
    specs[i] = {fields[2], fields[3], own, body}
    prepared[i] = wrk.format(fields[2], fields[3], own, body)
  end
  math.randomseed(os.time() * 1000 + (thread_number or 0))
end

function request()
  local i = math.random(#prepared)
  if #unique == 0 then
    return prepared[i]
  end
  local spec = specs[i]
  counter = counter + 1
  for _, header in ipairs(unique) do
    spec[3][header[1]] = string.format(
      "%s-%s-%d-%d", header[2], run_tag, thread_number or 0, counter)
  end
  return wrk.format(spec[1], spec[2], spec[3], spec[4])
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
