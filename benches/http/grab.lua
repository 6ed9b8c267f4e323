-- wrk script: every request is a grab by its own member (one token each).
--   wrk -t T -s grab.lua <url> -- tokens.txt /api/v1/events/<event>/reservations <pool> T
-- Thread k sends tokens k, k+T, k+2T, ...; the answers by status are printed at the end.
-- An optional last argument GET sends the same requests as GETs without a body
-- (the /healthz ceiling with the same per-request work in wrk as a grab).
local threads = {}
local next_id = 0

function setup(thread)
  thread:set("tid", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

function init(args)
  tokens = {}
  for line in io.lines(args[1]) do tokens[#tokens + 1] = line end
  path = args[2]
  body = '{"pool":"' .. args[3] .. '"}'
  nthreads = tonumber(args[4])
  method = args[5] or "POST"
  if method == "GET" then body = nil end
  i = tid
  statuses = {}
end

function request()
  local token = tokens[(i % #tokens) + 1]
  i = i + nthreads
  return wrk.format(method, path, { ["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/json" }, body)
end

function response(status)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local total = {}
  for _, t in ipairs(threads) do
    for k, v in pairs(t:get("statuses")) do total[k] = (total[k] or 0) + v end
  end
  for k, v in pairs(total) do io.write(string.format("status %d: %d\n", k, v)) end
end
