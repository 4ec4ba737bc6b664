"""The app's dialogs: extensions, subscriptions, preferences; and the menus that open them."""

from pbxdesk.ui.dialogs.extension_dialog import ExtensionDialog
from pbxdesk.ui.dialogs.preferences_dialog import PreferencesDialog
from pbxdesk.ui.dialogs.subscription_dialog import SubscriptionDialog

__all__ = ["ExtensionDialog", "PreferencesDialog", "SubscriptionDialog"]
