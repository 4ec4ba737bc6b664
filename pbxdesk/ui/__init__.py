"""The PySide6 desktop app: windows, Qt models over the store."""
