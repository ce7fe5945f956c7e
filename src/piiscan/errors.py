"""The exception tree of piiscan.

::

    PiiscanError                 base of everything piiscan raises on purpose
    ├── ConfigError      (2)     bad usage or configuration: wrong option, unreadable key file,
    │                            malformed recognizer YAML
    ├── PluginError      (3)     an entry point or a named validator could not be loaded
    ├── SourceError      (5)     a root cannot be reached or walked (SMB server unreachable,
    │                            logon refused, share or folder missing)
    ├── ExtractionError          one object could not be turned into text; becomes an
    │   │                        ``objects`` row, never a crash
    │   ├── EncryptedError       password-protected document or archive
    │   ├── TooLargeError        over a size, expansion-ratio or depth limit
    │   ├── NoTextError          readable but holds no text (image-only PDF)
    │   ├── UnsupportedError     a format piiscan does not read
    │   ├── SpecialFileError     a FIFO, socket, device or directory where a file was expected;
    │   │                        never read, because reading it could block
    │   └── PartialError         some records or pages could not be read; the rest were
    │                            scanned and keep their findings (raised after the last one)
    └── InventoryError   (4)     the inventory cannot be read or written

Only ``cli.py`` maps these to exit statuses. Messages never contain scanned content: they name
objects by path and say what went wrong in general terms.
"""

from __future__ import annotations

from typing import ClassVar


class PiiscanError(Exception):
    """Base class of the errors piiscan raises deliberately."""

    exit_code: ClassVar[int] = 1


class ConfigError(PiiscanError):
    """The command line, configuration file or a recognizer definition is wrong."""

    exit_code: ClassVar[int] = 2


class PluginError(PiiscanError):
    """A plug-in (entry point, named validator, recognizer class) could not be loaded."""

    exit_code: ClassVar[int] = 3


class SourceError(PiiscanError):
    """A scan root could not be reached, opened or walked; the message gives the cause."""

    exit_code: ClassVar[int] = 5


class ExtractionError(PiiscanError):
    """One object could not be read; the scan records it with :attr:`status` and goes on."""

    status: ClassVar[str] = "error"


class EncryptedError(ExtractionError):
    """The object is password protected or encrypted."""

    status: ClassVar[str] = "encrypted"


class TooLargeError(ExtractionError):
    """The object exceeds a size, expansion-ratio or nesting limit."""

    status: ClassVar[str] = "too_large"


class NoTextError(ExtractionError):
    """The object is readable but has no text layer (for example an image-only PDF)."""

    status: ClassVar[str] = "no_text"


class UnsupportedError(ExtractionError):
    """piiscan has no extractor for this kind of object."""

    status: ClassVar[str] = "unsupported"


class InventoryError(PiiscanError):
    """The inventory directory could not be read or written."""

    exit_code: ClassVar[int] = 4


class SpecialFileError(ExtractionError):
    """The object is not a regular file (a FIFO, socket, device or directory).

    It is refused without being read: opening or reading one can block for ever. The message
    names the kind, ``special file (fifo)``, as the file-system walk does.
    """

    status: ClassVar[str] = "skipped"

    def __init__(self, kind: str) -> None:
        super().__init__(f"special file ({kind})")
        self.kind = kind


class PartialError(ExtractionError):
    """Part of the object could not be read (a malformed CSV record, a broken PDF page).

    Raised by an extractor after it has yielded everything else, so the findings of the parts
    that were read are kept; the message says which parts were lost (by row or page number,
    never by content).
    """

    status: ClassVar[str] = "partial"
