-- One script for every wrk run of bench/run.py, configured by environment:
--   BENCH_COOKIE  the Cookie header (session and CSRF cookies)
--   BENCH_CSRF    the CSRF token, sent as X-CSRFToken on moves
--   BENCH_MOVES   "url status other;url status other;..." to post card moves
--   BENCH_HTMX    "1" to post them as the board's script does (HTMX)
-- It prints one JSON line at the end for run.py to read.

local cookie = os.getenv("BENCH_COOKIE") or ""
local csrf = os.getenv("BENCH_CSRF") or ""
local htmx = os.getenv("BENCH_HTMX") == "1"
local moves = {}
for url, status, other in string.gmatch(os.getenv("BENCH_MOVES") or "", "([^ ;]+) ([^ ;]+) ([^ ;]+)") do
  moves[#moves + 1] = { url = url, status = status, other = other }
end

local threads = {}
local counter = 0
-- The board version this thread last heard of, as the board's script keeps
-- it: a move from a current board is answered with the column heads; a move
-- from a stale one (another connection moved first) tells the browser to
-- fetch the board again, and says which version that will be.
-- (Globals: done() reads each thread's counts with thread:get.)
version = ""
stale = 0
current = 0

function setup(thread)
  thread:set("id", #threads)
  threads[#threads + 1] = thread
end

function init(args)
  -- Threads start at different cards so they contend like real teammates.
  counter = id * 7
  wrk.headers["Cookie"] = cookie
  wrk.headers["Host"] = "127.0.0.1"
end

function request()
  if #moves == 0 then
    return wrk.format("GET")
  end
  -- Every card goes to the next column, then back: the board keeps its shape
  -- and every move is a real change (two columns rewritten).
  local n = counter
  counter = counter + 1
  local card = moves[math.floor(n / 2) % #moves + 1]
  local status = (n % 2 == 0) and card.other or card.status
  local body = "status=" .. status .. "&position=1"
  if htmx then
    body = body .. "&v=" .. version
  end
  local headers = {
    ["Cookie"] = cookie,
    ["Host"] = "127.0.0.1",
    ["X-CSRFToken"] = csrf,
    ["Content-Type"] = "application/x-www-form-urlencoded",
  }
  if htmx then
    -- As the board's script sends it.
    headers["HX-Request"] = "true"
  end
  return wrk.format("POST", card.url, headers, body)
end

function response(status, headers, body)
  if not htmx then
    return
  end
  local trigger = headers["HX-Trigger"] or headers["hx-trigger"]
  local seen = trigger and string.match(trigger, '"version": *(%d+)')
  if seen then
    stale = stale + 1
  else
    seen = string.match(body or "", 'data%-version="(%d+)"')
    if seen then
      current = current + 1
    end
  end
  if seen then
    version = seen
  end
end

function done(summary, latency, requests)
  local answered_stale = 0
  local answered_current = 0
  for _, thread in ipairs(threads) do
    answered_stale = answered_stale + (thread:get("stale") or 0)
    answered_current = answered_current + (thread:get("current") or 0)
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, ' ..
    '"mean_us": %.1f, "max_us": %d, "status_errors": %d, "socket_errors": %d, ' ..
    '"stale": %d, "current": %d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    latency.mean, latency.max, e.status, e.connect + e.read + e.write + e.timeout,
    answered_stale, answered_current))
end
