"""The asyncio engine: simulated feed, scenario files, dispatcher and runs (no Qt)."""
