"""The one exception hierarchy of pbxdesk: every message is meant for a user to act on."""


class PbxDeskError(Exception):
    """Base of every error pbxdesk reports to a user (CLI exit code 2, GUI inline message)."""


class ValidationError(PbxDeskError):
    """Input that breaks a rule of the PBX model.

    ``where`` names the thing at fault (file, entry, field) so a message can point at it.
    """

    def __init__(self, message: str, *, where: str = "") -> None:
        self.message = message
        self.where = where
        super().__init__(f"{where}: {message}" if where else message)

    def located(self, prefix: str) -> "ValidationError":
        """The same error with ``prefix`` (a file or entry) put in front of its location."""
        where = f"{prefix}: {self.where}" if self.where else prefix
        return ValidationError(self.message, where=where)
