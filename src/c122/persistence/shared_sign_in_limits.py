"""Sign-in limits shared by every node, in Redis: a guesser spreading attempts over nodes behind the
load balancer meets the same counts as on one.

The rules are the domain's (`domain/throttle.py`): an account lock after `max_failures` within the
window, doubling up to the ceiling, not lengthened by attempts while locked; a sliding window per
address; the last four addresses an account signed in from. Each change is one Lua script, atomic
across nodes. Times are wall-clock seconds, the one clock the nodes share.

Redis unreachable: this node's own in-memory limits stand in (sign-in keeps working, still limited,
but per node until Redis is back).
"""

from __future__ import annotations

import logging
import math
import secrets
import time
from collections.abc import Callable
from typing import Any, cast

import redis.asyncio as redis
from redis.exceptions import RedisError

from c122.services.accounts.ports import SignInLimits, SignInPolicy

KNOWN_SOURCES = 4
KNOWN_SOURCES_DAYS = 90
_PREFIX = "c122:signin:"

# KEYS: failures (zset), state (hash until/level). ARGV: now, window, limit, base, ceiling, member.
_ACCOUNT_FAILED = """
local now = tonumber(ARGV[1])
local window, limit = tonumber(ARGV[2]), tonumber(ARGV[3])
local base, ceiling = tonumber(ARGV[4]), tonumber(ARGV[5])
local locked_until = tonumber(redis.call('HGET', KEYS[2], 'until') or '0')
if locked_until > now then return 0 end
local level = tonumber(redis.call('HGET', KEYS[2], 'level') or '0')
if level > 0 and now - locked_until > ceiling then level = 0 end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
redis.call('ZADD', KEYS[1], now, ARGV[6])
redis.call('PEXPIRE', KEYS[1], math.ceil(window * 1000))
if redis.call('ZCARD', KEYS[1]) >= limit then
  redis.call('DEL', KEYS[1])
  locked_until = now + math.min(base * 2 ^ level, ceiling)
  level = level + 1
end
redis.call('HSET', KEYS[2], 'until', tostring(locked_until), 'level', level)
redis.call('PEXPIRE', KEYS[2], math.ceil(ceiling * 2000 + window * 1000))
return 1
"""

_Scored = list[tuple[bytes, float]]
_log = logging.getLogger(__name__)


class SharedSignInLimits:
    """Implements `SignInLimits` over Redis, with `fallback` while Redis does not answer."""

    def __init__(
        self,
        client: redis.Redis,
        policy: SignInPolicy,
        fallback: SignInLimits,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        self._client = client
        self._policy = policy
        self._fallback = fallback
        self._now = wall_clock
        self._account_failed: Any = client.register_script(_ACCOUNT_FAILED)

    async def retry_after(self, lock_key: str, source: str) -> int:
        try:
            now = self._now()
            locked_until = float(await self._client.hget(_PREFIX + "lock:" + lock_key, "until") or 0)
            address = _PREFIX + "addr:" + source
            await self._client.zremrangebyscore(address, "-inf", now - self._policy.window_seconds)
            oldest = cast(
                list[tuple[bytes, float]], await self._client.zrange(address, 0, 0, withscores=True)
            )
            count = int(await self._client.zcard(address))
        except (RedisError, OSError) as exc:
            return await self._unreachable(exc).retry_after(lock_key, source)
        waits = [0.0]
        if locked_until > now:
            waits.append(locked_until - now)
        if count >= self._policy.address_max_failures and oldest:
            waits.append(oldest[0][1] + self._policy.window_seconds - now)
        longest = max(waits)
        return max(1, math.ceil(longest)) if longest > 0 else 0

    async def failed(self, lock_key: str, source: str) -> None:
        await self._fallback.failed(lock_key, source)  # kept here too, for when Redis goes away
        policy, now, member = self._policy, self._now(), secrets.token_hex(6)
        address = _PREFIX + "addr:" + source
        try:
            await self._account_failed(
                keys=[_PREFIX + "fail:" + lock_key, _PREFIX + "lock:" + lock_key],
                args=[
                    now,
                    policy.window_seconds,
                    policy.max_failures,
                    policy.lock_seconds,
                    policy.lock_max_seconds,
                    member,
                ],
            )
            async with self._client.pipeline(transaction=True) as pipe:
                pipe.zremrangebyscore(address, "-inf", now - policy.window_seconds)
                pipe.zadd(address, {member: now})
                pipe.expire(address, policy.window_seconds)
                await pipe.execute()
        except (RedisError, OSError) as exc:
            self._unreachable(exc)

    async def succeeded(self, lock_key: str, account: str, source: str) -> None:
        await self._fallback.succeeded(lock_key, account, source)
        known = _PREFIX + "known:" + account
        try:
            async with self._client.pipeline(transaction=True) as pipe:
                pipe.delete(_PREFIX + "fail:" + lock_key, _PREFIX + "lock:" + lock_key)
                pipe.lrem(known, 0, source)
                pipe.rpush(known, source)
                pipe.ltrim(known, -KNOWN_SOURCES, -1)
                pipe.expire(known, KNOWN_SOURCES_DAYS * 86_400)
                await pipe.execute()
        except (RedisError, OSError) as exc:
            self._unreachable(exc)

    async def knows(self, account: str, source: str) -> bool:
        try:
            return await self._client.lpos(_PREFIX + "known:" + account, source) is not None
        except (RedisError, OSError) as exc:
            return await self._unreachable(exc).knows(account, source)

    def _unreachable(self, exc: Exception) -> SignInLimits:
        _log.warning("sign-in limits: Redis unreachable (%s); this node's own limits apply", exc)
        return self._fallback
