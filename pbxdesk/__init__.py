"""pbxdesk: a desktop workbench for cloud-PBX webhook integrations."""

__version__ = "0.1.0"
