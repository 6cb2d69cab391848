-- wrk script: config GETs and tracking POSTs in turn.  The POSTs are
-- proxy_track.lua's batches; the GETs ask for BENCH_CONFIG_PATH.
dofile(os.getenv("BENCH_HERE") .. "/proxy_track.lua")

local track_request = request
local config_path = os.getenv("BENCH_CONFIG_PATH")
local turn = 0

request = function()
  turn = turn + 1
  if turn % 2 == 1 then
    return wrk.format("GET", config_path)
  end
  return track_request()
end
