"""The Redis client the core is given: one server (or a Sentinel-managed primary, which is the same client
with a pool that follows failovers), or a Redis Cluster, which routes each command to the node of its key."""

from __future__ import annotations

from typing import TypeAlias

from redis.asyncio import Redis, RedisCluster

RedisClient: TypeAlias = Redis | RedisCluster
