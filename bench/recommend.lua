-- wrk script: POST /api/v1/recommendations with 3 random seed tracks per request, drawn from
-- the ids in $MUSE_BENCH_IDS (one per line). Reports p50/p90/p99 and non-2xx counts.
local ids = {}
local counter = 0

function init(args)
  local path = os.getenv("MUSE_BENCH_IDS")
  for line in io.lines(path) do
    if #line > 0 then ids[#ids + 1] = line end
  end
  math.randomseed(os.time() + counter)
  counter = counter + 1
end

function request()
  local a, b, c = ids[math.random(#ids)], ids[math.random(#ids)], ids[math.random(#ids)]
  local body = string.format('{"tracks":["%s","%s","%s"],"limit":10}', a, b, c)
  return wrk.format("POST", "/api/v1/recommendations", {["Content-Type"] = "application/json"}, body)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT requests=%d duration_s=%.2f rps=%.1f p50_ms=%.2f p90_ms=%.2f p99_ms=%.2f max_ms=%.2f " ..
                         "non2xx=%d connect_err=%d read_err=%d write_err=%d timeout_err=%d\n",
    summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000, e.status, e.connect, e.read, e.write, e.timeout))
end
