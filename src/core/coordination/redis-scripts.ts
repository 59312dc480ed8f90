// The shared quota as Redis keeps it, in Lua so that every decision is atomic: a reservation
// checks every bucket, the in-flight leases and the daily budgets, and takes from all of them or
// from none. Time is Redis's own (TIME), so participants on different machines agree on refill.
//
// The model is QuotaModel's (src/core/limits/quota-model.ts), shared: each bucket refills
// continuously at limit/60 s; a reservation charges requests and input at once and holds expected
// output as `pending` until it settles; a header observation resets a bucket to what the API said,
// less the rounding margin and less what leases younger than the confirm window charged.
//
// Keys (all under floorline:{<key id>}: — one hash tag, so a cluster keeps them on one node):
//   buckets      hash  <dim>.limit / .level / .at / .pending, and `hard` (hard-floor hysteresis)
//   leases       zset  lease id → expiry (ms); renewed while its request is in flight. They carry
//                      what a request holds (pending output, worst-case spend) so that a crashed
//                      holder's share comes back; rates themselves are governed by the buckets.
//   lease-data   hash  lease id → "created,input,output,usd,tokens"
//   spend:<day>  hash  usd / tokens committed today (reservations included) and reservedUsd / reservedTokens
//   stop         string  why every participant must stop (an API verdict such as an invalid key)
//   paused       string  present while a participant has paused the key
//   cooldown     string  present (with a TTL) while a 429/529 cool-down is in force
//   share:<name> hash  one participant's share of a class (`--max-share` with `--participant`):
//                      <dim>.level / .at, refilled at share × the class's rate, up to share × its limit
//   participants hash  name → "share,at,requests,input,output": what each participant took, decayed
//                      over a minute (≈ its consumption per minute), for the dashboards

const COMMON = `
local DIMS = {'requests', 'inputTokens', 'outputTokens', 'tokens'}
local TOKEN_DIMS = {'inputTokens', 'outputTokens', 'tokens'}
local ROUNDING_MARGIN = 500

local function nowMs()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

-- What a request charges a dimension at dispatch (now) and on completion (later).
local function amounts(dim, input, output)
  if dim == 'requests' then return 1, 0 end
  if dim == 'inputTokens' then return input, 0 end
  if dim == 'outputTokens' then return 0, output end
  return input, output
end

local function load(key, dim, now)
  local v = redis.call('HMGET', key, dim .. '.limit', dim .. '.level', dim .. '.at', dim .. '.pending')
  if not v[1] then return nil end
  local b = { limit = tonumber(v[1]), level = tonumber(v[2]), at = tonumber(v[3]), pending = tonumber(v[4] or '0') }
  b.rate = b.limit / 60000
  b.level = math.min(b.limit, b.level + b.rate * math.max(0, now - b.at))
  b.at = now
  return b
end

local function save(key, dim, b)
  redis.call('HSET', key, dim .. '.level', tostring(b.level), dim .. '.at', tostring(b.at), dim .. '.pending', tostring(b.pending))
end

local function floorOf(limit, percent, tokens)
  local v = tokens
  if percent >= 0 then v = limit * percent / 100 end
  return math.min(limit, math.max(0, v))
end

-- The sixth field, when present, is the participant's share the lease was taken under.
local function parseLease(d)
  local created, input, output, usd, tokens, share = string.match(d, '^([^,]+),([^,]+),([^,]+),([^,]+),([^,]+),?([^,]*)$')
  return tonumber(created), tonumber(input), tonumber(output), tonumber(usd), tonumber(tokens), tonumber(share) or 0
end

local SHARE_DIMS = {'requests', 'inputTokens', 'outputTokens'}

local function shareAmount(dim, requests, input, output)
  if dim == 'requests' then return requests end
  if dim == 'inputTokens' then return input end
  return output
end

-- A participant's share of one class bucket now: its level, capacity and refill per ms. Until the
-- class's limits are known there is nothing to take a share of (nil). A new share starts empty and
-- fills at its rate: a share is a rate, and a participant that appears (or restarts) must not open
-- with a burst of a minute's worth of it.
local function shareLevel(shareKey, bucketsKey, dim, share, now)
  local b = load(bucketsKey, dim, now)
  if not b then return nil end
  local cap = share * b.limit
  local v = redis.call('HMGET', shareKey, dim .. '.level', dim .. '.at')
  if not v[1] then
    redis.call('HSET', shareKey, dim .. '.level', '0', dim .. '.at', tostring(now))
    redis.call('PEXPIRE', shareKey, 600000)
    return 0, cap, share * b.rate
  end
  return math.min(cap, tonumber(v[1]) + share * b.rate * math.max(0, now - tonumber(v[2]))), cap, share * b.rate
end

-- Off the share: the expected amounts at dispatch (\`real\` nil); later what the request really
-- consumed replaces them (zeros when the API refused it). A request larger than the whole share
-- takes a full share, as in dispatch/share.ts.
local function shareCharge(shareKey, bucketsKey, share, now, input, output, real)
  local charged = false
  for _, dim in ipairs(SHARE_DIMS) do
    local level, cap = shareLevel(shareKey, bucketsKey, dim, share, now)
    if level then
      charged = true
      local expected = math.min(shareAmount(dim, 1, input, output), cap)
      local delta = expected
      if real then delta = shareAmount(dim, real.requests, real.input, real.output) - expected end
      redis.call('HSET', shareKey, dim .. '.level', tostring(math.min(cap, level - delta)), dim .. '.at', tostring(now))
    end
  end
  redis.call('PEXPIRE', shareKey, 600000)
  return charged
end

-- A participant's record ("share,at,requests,input,output") as of now: its share, when it last
-- sent, and what it took decayed by e^(-t/1 min) — about its consumption over the last minute.
-- nil for a record that is not one.
local function usageAt(d, now)
  local ps, pat, pr, pi, po = string.match(d, '^([^,]+),([^,]+),([^,]+),([^,]+),([^,]+)$')
  if not ps then return nil end
  local k = math.exp(-math.max(0, now - tonumber(pat)) / 60000)
  return { share = tonumber(ps), at = tonumber(pat), requests = tonumber(pr) * k, inputTokens = tonumber(pi) * k, outputTokens = tonumber(po) * k }
end

-- Adds what a participant took (or gives back what it was refused). \`share\` < 0 keeps the share recorded.
local function noteUsage(participantsKey, name, share, now, requests, input, output)
  local d = redis.call('HGET', participantsKey, name)
  local u = d and usageAt(d, now)
  local s, r, i, o = share, 0, 0, 0
  if u then
    r, i, o = u.requests, u.inputTokens, u.outputTokens
    if share < 0 then s = u.share end
  end
  if s < 0 then s = 0 end
  redis.call('HSET', participantsKey, name, table.concat({s, now, math.max(0, r + requests), math.max(0, i + input), math.max(0, o + output)}, ','))
  redis.call('PEXPIRE', participantsKey, 600000)
end

-- Leases whose holder stopped renewing them (a crashed worker): their requests may well have
-- completed, so their expected output is charged and their worst-case spend kept; the in-flight
-- slot is freed.
local function expire(bucketsKey, leasesKey, dataKey, spendKey, now)
  local ids = redis.call('ZRANGEBYSCORE', leasesKey, '-inf', now)
  for _, id in ipairs(ids) do
    local d = redis.call('HGET', dataKey, id)
    if d then
      local _, input, output, usd, tokens = parseLease(d)
      for _, dim in ipairs(DIMS) do
        local b = load(bucketsKey, dim, now)
        if b then
          local _, later = amounts(dim, input, output)
          b.pending = math.max(0, b.pending - later)
          b.level = b.level - later
          save(bucketsKey, dim, b)
        end
      end
      redis.call('HINCRBYFLOAT', spendKey, 'reservedUsd', tostring(-usd))
      redis.call('HINCRBYFLOAT', spendKey, 'reservedTokens', tostring(-tokens))
      redis.call('HDEL', dataKey, id)
    end
    redis.call('ZREM', leasesKey, id)
  end
end
`;

/**
 * KEYS: buckets, leases, lease-data, spend:<day>, stop, paused, cooldown, share:<participant>, participants
 * ARGV: leaseId, leaseTtlMs, input, output, softPercent, softTokens, hardPercent, hardTokens,
 *       worstUsd (-1: unpriced), worstTokens, capUsd (-1: none), capTokens (-1: none),
 *       participant, share (0: none)
 * Returns {'ok', now} or {verdict, detail, waitMs}.
 */
export const RESERVE = `${COMMON}
local now = nowMs()
expire(KEYS[1], KEYS[2], KEYS[3], KEYS[4], now)

local stop = redis.call('GET', KEYS[5])
if stop then return {'stopped', stop, '0'} end
if redis.call('EXISTS', KEYS[6]) == 1 then return {'paused', '', '1000'} end
local cooldown = redis.call('PTTL', KEYS[7])
if cooldown > 0 then return {'cooldown', '', tostring(cooldown)} end

local input, output = tonumber(ARGV[3]), tonumber(ARGV[4])
local softPct, softTok, hardPct, hardTok = tonumber(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[7]), tonumber(ARGV[8])
local buckets = {}
for _, dim in ipairs(DIMS) do buckets[dim] = load(KEYS[1], dim, now) end

-- Hard floor, with hysteresis: once a token bucket is under it, nothing goes out until every
-- token bucket is back above its soft floor.
local hard = redis.call('HGET', KEYS[1], 'hard') == '1'
for _, dim in ipairs(TOKEN_DIMS) do
  local b = buckets[dim]
  if b and b.level - b.pending < floorOf(b.limit, hardPct, hardTok) then hard = true end
end
if hard then
  local worstDim, worstWait = nil, 0
  for _, dim in ipairs(TOKEN_DIMS) do
    local b = buckets[dim]
    if b then
      local deficit = floorOf(b.limit, softPct, softTok) - (b.level - b.pending)
      if deficit > 0 and math.ceil(deficit / b.rate) > worstWait then worstDim, worstWait = dim, math.ceil(deficit / b.rate) end
    end
  end
  if worstDim then
    redis.call('HSET', KEYS[1], 'hard', '1')
    return {'hard', worstDim, tostring(worstWait)}
  end
  redis.call('HSET', KEYS[1], 'hard', '0')
end

-- Soft floor: every bucket must stay at or above it after this request.
local worstDim, worstWait = nil, 0
for _, dim in ipairs(DIMS) do
  local b = buckets[dim]
  if b then
    local floor, margin = 0, 0
    if dim ~= 'requests' then floor, margin = floorOf(b.limit, softPct, softTok), ROUNDING_MARGIN end
    local n, later = amounts(dim, input, output)
    local need = math.min(n + later, math.max(1, b.limit - floor - margin))
    local deficit = floor + need - (b.level - b.pending)
    if deficit > 0 and math.ceil(deficit / b.rate) > worstWait then worstDim, worstWait = dim, math.ceil(deficit / b.rate) end
  end
end
if worstDim then return {'soft', worstDim, tostring(worstWait)} end

-- The participant's share: every process under its name together, whatever the others leave.
local participant, share = ARGV[13], tonumber(ARGV[14])
if share > 0 then
  local shareDim, shareWait = nil, 0
  for _, dim in ipairs(SHARE_DIMS) do
    local level, cap, rate = shareLevel(KEYS[8], KEYS[1], dim, share, now)
    if level and rate > 0 then
      local need = math.min(shareAmount(dim, 1, input, output), cap)
      if level < need and math.ceil((need - level) / rate) > shareWait then shareDim, shareWait = dim, math.ceil((need - level) / rate) end
    end
  end
  if shareDim then return {'share', shareDim, tostring(shareWait)} end
end

-- Daily budgets: the worst case must fit under what is committed (spent + reserved).
local worstUsd, worstTokens = tonumber(ARGV[9]), tonumber(ARGV[10])
local capUsd, capTokens = tonumber(ARGV[11]), tonumber(ARGV[12])
local s = redis.call('HMGET', KEYS[4], 'usd', 'tokens', 'reservedUsd', 'reservedTokens')
local usd, tokens = tonumber(s[1] or '0'), tonumber(s[2] or '0')
local reservedUsd, reservedTokens = tonumber(s[3] or '0'), tonumber(s[4] or '0')
local others = redis.call('ZCARD', KEYS[2]) > 0
if capUsd >= 0 then
  if worstUsd < 0 then return {'budget', 'daily spend budget', '-1'} end
  if usd + worstUsd > capUsd + 1e-12 then
    -- Worth waiting only if settling what is in flight could make room.
    local fits = others and (usd - reservedUsd + worstUsd <= capUsd + 1e-12)
    return {'budget', 'daily spend budget', fits and '250' or '-1'}
  end
end
if capTokens >= 0 and tokens + worstTokens > capTokens then
  local fits = others and (tokens - reservedTokens + worstTokens <= capTokens)
  return {'budget', 'daily token budget', fits and '250' or '-1'}
end

for _, dim in ipairs(DIMS) do
  local b = buckets[dim]
  if b then
    local n, later = amounts(dim, input, output)
    b.level = b.level - n
    b.pending = b.pending + later
    save(KEYS[1], dim, b)
  end
end
-- Settled against the share only if it was charged now: a request sent before the class's limits
-- were known took nothing from it, so its settlement must not take only the difference.
local charged = share > 0 and shareCharge(KEYS[8], KEYS[1], share, now, input, output, nil)
noteUsage(KEYS[9], participant, share, now, 1, input, output)
local leaseUsd = math.max(0, worstUsd)
redis.call('ZADD', KEYS[2], now + tonumber(ARGV[2]), ARGV[1])
redis.call('HSET', KEYS[3], ARGV[1], table.concat({now, input, output, leaseUsd, worstTokens, charged and share or 0}, ','))
redis.call('HINCRBYFLOAT', KEYS[4], 'usd', tostring(leaseUsd))
redis.call('HINCRBYFLOAT', KEYS[4], 'reservedUsd', tostring(leaseUsd))
redis.call('HINCRBYFLOAT', KEYS[4], 'tokens', tostring(worstTokens))
redis.call('HINCRBYFLOAT', KEYS[4], 'reservedTokens', tostring(worstTokens))
redis.call('PEXPIRE', KEYS[4], 3 * 86400000)
return {'ok', '', tostring(now)}
`;

/**
 * The request finished: replace its estimate with what the API charged, and its worst-case spend
 * with what it cost. A lease that already expired was charged in full then; nothing more to do.
 * KEYS: buckets, leases, lease-data, spend:<day>, share:<participant>, participants
 * ARGV: leaseId, actualInput, actualOutput, actualUsd, actualTokens, participant
 */
export const SETTLE = `${COMMON}
local now = nowMs()
local d = redis.call('HGET', KEYS[3], ARGV[1])
if not d then return 0 end
local _, input, output, usd, tokens, share = parseLease(d)
local realIn, realOut = tonumber(ARGV[2]), tonumber(ARGV[3])
if share > 0 then shareCharge(KEYS[5], KEYS[1], share, now, input, output, { requests = 1, input = realIn, output = realOut }) end
noteUsage(KEYS[6], ARGV[6], -1, now, 0, realIn - input, realOut - output)
for _, dim in ipairs(DIMS) do
  local b = load(KEYS[1], dim, now)
  if b then
    local n, later = amounts(dim, input, output)
    local rn, rl = amounts(dim, realIn, realOut)
    b.pending = math.max(0, b.pending - later)
    b.level = b.level - (rn - n + rl)
    save(KEYS[1], dim, b)
  end
end
redis.call('HINCRBYFLOAT', KEYS[4], 'usd', tostring(tonumber(ARGV[4]) - usd))
redis.call('HINCRBYFLOAT', KEYS[4], 'reservedUsd', tostring(-usd))
redis.call('HINCRBYFLOAT', KEYS[4], 'tokens', tostring(tonumber(ARGV[5]) - tokens))
redis.call('HINCRBYFLOAT', KEYS[4], 'reservedTokens', tostring(-tokens))
redis.call('HDEL', KEYS[3], ARGV[1])
redis.call('ZREM', KEYS[2], ARGV[1])
return 1
`;

/**
 * The request failed. `refused` (a 429/529 turned it away): its dispatch charges are returned.
 * `keepWorst` (it may have been billed): its worst-case spend stays committed.
 * KEYS: buckets, leases, lease-data, spend:<day>, share:<participant>, participants
 * ARGV: leaseId, refused (1/0), keepWorst (1/0), participant
 */
export const RELEASE = `${COMMON}
local now = nowMs()
local d = redis.call('HGET', KEYS[3], ARGV[1])
if not d then return 0 end
local _, input, output, usd, tokens, share = parseLease(d)
if ARGV[2] == '1' then
  if share > 0 then shareCharge(KEYS[5], KEYS[1], share, now, input, output, { requests = 0, input = 0, output = 0 }) end
  noteUsage(KEYS[6], ARGV[4], -1, now, -1, -input, -output)
end
for _, dim in ipairs(DIMS) do
  local b = load(KEYS[1], dim, now)
  if b then
    local n, later = amounts(dim, input, output)
    b.pending = math.max(0, b.pending - later)
    if ARGV[2] == '1' then b.level = b.level + n end
    save(KEYS[1], dim, b)
  end
end
if ARGV[3] ~= '1' then
  redis.call('HINCRBYFLOAT', KEYS[4], 'usd', tostring(-usd))
  redis.call('HINCRBYFLOAT', KEYS[4], 'tokens', tostring(-tokens))
end
redis.call('HINCRBYFLOAT', KEYS[4], 'reservedUsd', tostring(-usd))
redis.call('HINCRBYFLOAT', KEYS[4], 'reservedTokens', tostring(-tokens))
redis.call('HDEL', KEYS[3], ARGV[1])
redis.call('ZREM', KEYS[2], ARGV[1])
return 1
`;

/**
 * What a response's headers said, for everyone: each bucket is reset to the reported remaining,
 * less the rounding margin and less what leases younger than the confirm window charged at
 * dispatch (they may not be in the server's numbers yet).
 * KEYS: buckets, leases, lease-data
 * ARGV: confirmWindowMs, then (dimension, limit, remaining) triples
 */
export const OBSERVE = `${COMMON}
local now = nowMs()
local window = tonumber(ARGV[1])
local unconfirmed = { requests = 0, inputTokens = 0, outputTokens = 0, tokens = 0 }
local pendingFromLeases = { requests = 0, inputTokens = 0, outputTokens = 0, tokens = 0 }
for _, id in ipairs(redis.call('ZRANGE', KEYS[2], 0, -1)) do
  local d = redis.call('HGET', KEYS[3], id)
  if d then
    local created, input, output = parseLease(d)
    for _, dim in ipairs(DIMS) do
      local n, later = amounts(dim, input, output)
      if created > now - window then unconfirmed[dim] = unconfirmed[dim] + n end
      pendingFromLeases[dim] = pendingFromLeases[dim] + later
    end
  end
end
for i = 2, #ARGV, 3 do
  local dim, limit, remaining = ARGV[i], tonumber(ARGV[i + 1]), tonumber(ARGV[i + 2])
  local margin = 0
  if dim ~= 'requests' then margin = math.min(ROUNDING_MARGIN, remaining) end
  local known = redis.call('HEXISTS', KEYS[1], dim .. '.limit') == 1
  redis.call('HSET', KEYS[1], dim .. '.limit', tostring(limit))
  local pending = pendingFromLeases[dim]
  if known then pending = tonumber(redis.call('HGET', KEYS[1], dim .. '.pending') or '0') end
  save(KEYS[1], dim, { level = remaining - margin - unconfirmed[dim], at = now, pending = pending })
end
return 1
`;

/** KEYS: cooldown. ARGV: ms. A cool-down is only ever lengthened, never cut short by a shorter one. */
export const COOL_DOWN = `
local ttl = redis.call('PTTL', KEYS[1])
if ttl < tonumber(ARGV[1]) then redis.call('SET', KEYS[1], '1', 'PX', ARGV[1]) end
return 1
`;

/** KEYS: leases. ARGV: ttlMs, lease ids. Extends only leases that still exist (XX). */
export const RENEW = `${COMMON}
local expiry = nowMs() + tonumber(ARGV[1])
for i = 2, #ARGV do redis.call('ZADD', KEYS[1], 'XX', expiry, ARGV[i]) end
return 1
`;

/**
 * KEYS: buckets, leases, spend:<day>, participants. ARGV: how recently a participant must have
 * sent to be listed (ms). The shared picture, for dashboards and status lines; each participant
 * as (name, share, the largest fraction of a limit it took over about the last minute).
 */
export const VIEW = `${COMMON}
local now = nowMs()
local out = {}
local limits = {}
for _, dim in ipairs(DIMS) do
  local b = load(KEYS[1], dim, now)
  if b then
    limits[dim] = b.limit
    table.insert(out, dim); table.insert(out, tostring(b.limit)); table.insert(out, tostring(b.level - b.pending))
  end
end
local people = {}
local all = redis.call('HGETALL', KEYS[4])
for i = 1, #all, 2 do
  local u = usageAt(all[i + 1], now)
  if u and now - u.at <= tonumber(ARGV[1]) then
    local used = 0
    for _, dim in ipairs(SHARE_DIMS) do
      if limits[dim] and limits[dim] > 0 then used = math.max(used, u[dim] / limits[dim]) end
    end
    table.insert(people, all[i]); table.insert(people, tostring(u.share)); table.insert(people, tostring(used))
  end
end
local s = redis.call('HMGET', KEYS[3], 'usd', 'tokens')
return { tostring(redis.call('ZCARD', KEYS[2])), s[1] or '0', s[2] or '0', out, people }
`;
