-- wrk script for the benchmarks: each thread walks the paths listed in a file (argument 1),
-- starting at its own offset, sends an Authorization header (argument 2, may be empty) and
-- the run ends with one JSON line of totals and latency percentiles (microseconds).

local threads = 0
local paths = {}
local index = 0
local authorization = ""

function setup(thread)
  thread:set("offset", threads * 7919)
  threads = threads + 1
end

function init(args)
  for line in io.lines(args[1]) do
    if line ~= "" then paths[#paths + 1] = line end
  end
  authorization = args[2] or ""
  index = offset % #paths
end

function request()
  index = index % #paths + 1
  local headers = {}
  if authorization ~= "" then headers["Authorization"] = authorization end
  return wrk.format("GET", paths[index], headers)
end

function done(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format(
    '{"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, "max_us": %d, '
      .. '"status_errors": %d, "socket_errors": %d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), latency.max,
    errors.status, errors.connect + errors.read + errors.write + errors.timeout))
end
