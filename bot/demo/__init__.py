"""`make demo` (`python -m bot.demo`): the real app on loopback with a stand-in for Slack and the app's own
dry run for Kaleyra; a few signed commands and clicks, and what the user would see, in the terminal.

No account, no network, no `.env`: everything it needs is in this package and in the process.
"""
