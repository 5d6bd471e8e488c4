"""What a prompt may carry besides text: images and files (`attachments`) and tables
(`datatable`), turned into the input parts of a user message."""

from .attachments import Attachment, AttachmentError, as_input, attachment

__all__ = ["Attachment", "AttachmentError", "as_input", "attachment"]
