-- wrk script: POST SDK-sized tracking batches (10 visitors with 1, 2 or 3
-- events each, 20 events in all) to convert-proxy.  Every batch has fresh
-- visitor ids, so none is taken for a retry of an earlier one.
local counter = 0
local threads = 0

-- Runs in the main state: give each thread its own id, so that no two
-- threads send the same batch (the server would take it for a retry).
function setup(thread)
  threads = threads + 1
  thread:set("thread_id", threads)
end

local function visitor(id, n)
  local events = {
    '{"eventType":"bucketing","data":{"experienceId":"100218245","variationId":"100299456"}}',
    '{"eventType":"conversion","data":{"goalId":"100215962","bucketingData":{"100218245":"100299456"}}}',
    '{"eventType":"conversion","data":{"goalId":"100215962","goalData":[{"key":"amount","value":10.5}]}}',
  }
  local list = {}
  for i = 1, n do list[i] = events[i] end
  return string.format('{"visitorId":"%s","events":[%s],"segments":{"country":"US"}}',
    id, table.concat(list, ","))
end

-- Distinct across runs on the same database too.
run_id = tonumber(os.getenv("BENCH_RUN_ID") or "0")

request = function()
  counter = counter + 1
  local visitors = {}
  for v = 1, 10 do
    local n = ({1, 2, 3, 2, 1, 3, 2, 2, 3, 1})[v]
    visitors[v] = visitor(string.format("bench-%d-%d-%d-%d", run_id, thread_id, counter, v), n)
  end
  local body = '{"enrichData":true,"accountId":"10022898","projectId":"10025986","visitors":['
    .. table.concat(visitors, ",") .. '],"source":"wrk"}'
  return wrk.format("POST", nil, {["Content-Type"] = "application/json"}, body)
end
