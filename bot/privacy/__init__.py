"""/privacy: hiding a member from public boards, exporting what is stored about them, and forgetting them."""

from bot.privacy.service import MemberExport, PrivacyRefusedError, PrivacyService, PrivacyStatus

__all__ = ["MemberExport", "PrivacyRefusedError", "PrivacyService", "PrivacyStatus"]
