"""attachmeta: turn an uploaded media file into the metadata of a Mastodon MediaAttachment.

The public API, re-exported from the modules that implement it::

    from attachmeta import analyze
    result = analyze("photo.jpg", focus="-0.69,0.42", description="A cat")
    result.to_dict()  # {"type": "image", "meta": {...}, "description": ..., "blurhash": ...}
"""

from .analyze import Analysis, MediaType, analyze
from .batch import (
    BatchResult,
    Summary,
    analyze_many,
    format_summary,
    iter_media_paths,
    scan_to_jsonl,
    summarize,
)
from .blurhash import decode_blurhash, encode_blurhash
from .colors import extract_colors
from .crops import thumbnail
from .errors import (
    AttachmetaError,
    BlurhashError,
    DescriptionError,
    FocusError,
    GeometryError,
    InvalidMediaError,
    MediaTooLargeError,
    ProfileError,
    UnsupportedMediaError,
)
from .focus import Focus, parse_focus
from .geometry import crop_box, image_meta
from .profiles import GOTOSOCIAL, MASTODON, MASTODON_V3, PROFILES, Profile, get_profile
from .renditions import Rendition, RenditionError
from .report import html_report
from .sheet import contact_sheet
from .sniff import sniff

__version__ = "0.1.0"

__all__ = [
    "GOTOSOCIAL",
    "MASTODON",
    "MASTODON_V3",
    "PROFILES",
    "Analysis",
    "AttachmetaError",
    "BatchResult",
    "BlurhashError",
    "DescriptionError",
    "Focus",
    "FocusError",
    "GeometryError",
    "InvalidMediaError",
    "MediaTooLargeError",
    "MediaType",
    "Profile",
    "ProfileError",
    "Rendition",
    "RenditionError",
    "Summary",
    "UnsupportedMediaError",
    "__version__",
    "analyze",
    "analyze_many",
    "contact_sheet",
    "crop_box",
    "decode_blurhash",
    "encode_blurhash",
    "extract_colors",
    "format_summary",
    "get_profile",
    "html_report",
    "image_meta",
    "iter_media_paths",
    "parse_focus",
    "scan_to_jsonl",
    "sniff",
    "summarize",
    "thumbnail",
]
