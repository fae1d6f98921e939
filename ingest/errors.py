"""Why a file could not be read, in words a records clerk can act on."""

from __future__ import annotations


class UnreadableFile(Exception):
    """A file the pipeline cannot read; the clerk gets `reason`, nothing is lost.

    Each subclass carries a short `code` for machine-readable output (the
    ingest result line) and a default reason that says what to do next.
    """

    code = "unreadable"
    default_reason = "the file could not be read; check it opens on a computer"

    def __init__(self, reason: str | None = None) -> None:
        self.reason = reason or self.default_reason
        super().__init__(self.reason)


class EmptyFile(UnreadableFile):
    code = "empty"
    default_reason = "the file is empty (0 bytes); scan or copy it again"


class UnsupportedFile(UnreadableFile):
    code = "unsupported"
    default_reason = (
        "this kind of file is not accepted; save it as PDF, TIFF, JPEG or PNG"
    )


class PasswordProtected(UnreadableFile):
    code = "password_protected"
    default_reason = (
        "the PDF is password-protected; ask the sender for an unprotected copy"
    )


class DamagedFile(UnreadableFile):
    code = "damaged"
    default_reason = "the file is damaged or cut short; copy or scan the original again"


class TooLarge(UnreadableFile):
    code = "too_large"
    default_reason = (
        "the file would need more memory than allowed to open; "
        "rescan it at 300 dpi or split it into smaller files"
    )


class TooSlow(UnreadableFile):
    code = "too_slow"
    default_reason = (
        "opening the file took longer than allowed; "
        "it may be damaged or built to overload the reader; rescan the original"
    )


class OcrFailed(UnreadableFile):
    code = "ocr_failed"
    default_reason = (
        "text recognition failed on a page; rescan the page more clearly "
        "or check that tesseract is installed"
    )


class OcrEngineMissing(RuntimeError):
    """Tesseract or one of its languages is not installed: no file is at fault."""

    def __init__(self, detail: str) -> None:
        super().__init__(
            f"tesseract could not run ({detail}); install tesseract-ocr with "
            "the languages named in RECORDS_OCR_LANGUAGES"
        )
