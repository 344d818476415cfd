-- Checks every rate limit and, when all allow, counts one message: atomically, in one round trip.
-- KEYS: sender hour, sender day, global hour, global day (one hash each: field = bucket index
--       since the epoch, value = messages in that bucket).
-- ARGV: maxPerHour, maxPerDay, globalMaxPerHour, globalMaxPerDay.
-- Clock: Redis's own TIME, so the gateways' clocks do not matter.
-- Windows as in RateLimiter/SlidingWindow: N buckets plus the current one (hour: 60 x 1 min,
-- day: 96 x 15 min), so the count covers slightly more than the nominal window and there is
-- never a double burst at a boundary.
-- Returns {1, hourIndex, dayIndex} (counted: give those to release.lua to undo) or
-- {0, limit (1-4, in ARGV order), retryAfterMillis}.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local WIDTH = {60000, 900000, 60000, 900000}
local SPAN = {61, 97, 61, 97}
local TTL = {7200000, 90000000, 7200000, 90000000} -- past the window, so idle keys expire

local heads = {}
local sums = {}
local buckets = {}
for i = 1, 4 do
  local head = math.floor(now / WIDTH[i])
  heads[i] = head
  local flat = redis.call('HGETALL', KEYS[i])
  local sum, list, stale = 0, {}, {}
  for j = 1, #flat, 2 do
    local idx, n = tonumber(flat[j]), tonumber(flat[j + 1])
    if idx ~= nil and n ~= nil and idx > head - SPAN[i] then
      sum = sum + n
      list[#list + 1] = {idx, n}
    else
      stale[#stale + 1] = flat[j]
    end
  end
  if #stale > 0 then
    redis.call('HDEL', KEYS[i], unpack(stale))
  end
  sums[i] = sum
  buckets[i] = list
end

for i = 1, 4 do
  local max = tonumber(ARGV[i])
  if sums[i] >= max then
    -- when enough of the oldest buckets have left the window (SlidingWindow.millisUntilBelow)
    local list = buckets[i]
    table.sort(list, function(a, b) return a[1] < b[1] end)
    local acc = sums[i]
    local leaves = (heads[i] + SPAN[i]) * WIDTH[i]
    for _, b in ipairs(list) do
      acc = acc - b[2]
      if acc < max then
        leaves = (b[1] + SPAN[i]) * WIDTH[i]
        break
      end
    end
    return {0, i, math.max(1000, leaves - now)}
  end
end

for i = 1, 4 do
  redis.call('HINCRBY', KEYS[i], heads[i], 1)
  redis.call('PEXPIRE', KEYS[i], TTL[i])
end
return {1, heads[1], heads[2]}
