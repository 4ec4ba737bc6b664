"""The PBX REST API client and the local emulator (live mode; see the live issue)."""
