"""Default ports and limits that the CLI names in its help.

Here, not in the modules that use them, so building the CLI's parser (every command, and
--help) imports no HTTP stack: aiohttp and the emulator cost about 0.15 s to import.
"""

DEFAULT_LIVE_PORT = 18766  # the live receiver: where the real PBX's webhooks arrive
EMULATOR_PORT = 8089  # the local PBX emulator's REST API
EMULATOR_SUBSCRIPTION_LIMIT = 100  # subscriptions the emulator accepts per account
