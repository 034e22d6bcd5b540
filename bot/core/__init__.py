"""The Slack-free core: reading times, checking requests, the Kaleyra client, and the Redis-backed
outbox, history and delivery tracking. Nothing here imports slack_bolt, slack_sdk or aiohttp.

Each module is imported for itself (`from bot.core.outbox import Outbox`): importing one loads only what it
needs, so a setting's check at start does not load the whole core.
"""
