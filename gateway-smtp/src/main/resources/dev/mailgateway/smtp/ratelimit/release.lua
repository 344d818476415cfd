-- Undoes one count of reserve.lua (the transaction ended without an accepted message).
-- KEYS: as reserve.lua. ARGV: hourIndex, dayIndex it returned.
for i = 1, 4 do
  local field = (i % 2 == 1) and ARGV[1] or ARGV[2]
  local n = tonumber(redis.call('HGET', KEYS[i], field) or '0')
  if n ~= nil and n > 1 then
    redis.call('HINCRBY', KEYS[i], field, -1)
  elseif n == 1 then
    redis.call('HDEL', KEYS[i], field)
  end
end
return 1
