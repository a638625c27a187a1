-- wrk's script for benchmarks/bench_serve.py: each wrk thread holds one connection and
-- checks in an athlete of its own (ATHLETES[thread]), each check-in with an id and a day
-- of its own, the bodies cycling through TEMPLATES. bench_serve.py writes the tables in
-- front of this file; each template is a check-in's canonical JSON split around its id
-- and its day: {before id, between id and day, after day}.
--   ATHLETES, TOKEN, TEMPLATES, FIRST_DAY (seconds since 1970 of the first day sent),
--   FIRST_NUMBER (the number of the first check-in sent; those before were warm-ups)

local threads = {}
local counter = 1

function setup(thread)
   thread:set("athlete", ATHLETES[counter])
   threads[counter] = thread
   counter = counter + 1
end

function init(args)
   number = FIRST_NUMBER
   wrong = 0
   first_wrong = ""
   path = "/v1/athletes/" .. athlete .. "/checkins"
   headers = {["Authorization"] = "Bearer " .. TOKEN,
              ["Content-Type"] = "application/json"}
end

function request()
   local parts = TEMPLATES[(number % #TEMPLATES) + 1]
   local day = os.date("!%Y-%m-%d", FIRST_DAY + (number - FIRST_NUMBER) * 86400)
   local body = parts[1] .. athlete .. "/" .. number .. parts[2] .. day .. parts[3]
   number = number + 1
   return wrk.format("POST", path, headers, body)
end

function response(status, headers, body)
   if status ~= 201 then
      wrong = wrong + 1
      if first_wrong == "" then first_wrong = status .. " " .. body end
   end
end

function done(summary, latency, requests)
   local wrong, first = 0, ""
   for _, thread in ipairs(threads) do
      wrong = wrong + thread:get("wrong")
      if first == "" then first = thread:get("first_wrong") end
   end
   io.write(string.format("bench_serve: requests=%d seconds=%.6f p50=%d p99=%d " ..
                          "errors=%d not201=%d\n",
                          summary.requests, summary.duration / 1e6,
                          latency:percentile(50), latency:percentile(99),
                          summary.errors.connect + summary.errors.read +
                          summary.errors.write + summary.errors.timeout +
                          summary.errors.status, wrong))
   if first ~= "" then io.write("bench_serve: first refusal: " .. first .. "\n") end
end
