"""The HTTP adapter: Slack's events into Bolt, Kaleyra's callbacks, and health for load balancers."""
