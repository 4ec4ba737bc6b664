"""Data files shipped with pbxdesk (scenarios, icons, translations)."""
