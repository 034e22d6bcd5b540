"""The Slack adapter: listeners by kind, Block Kit, the user directory and notifications."""
