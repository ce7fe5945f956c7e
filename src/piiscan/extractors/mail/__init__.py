"""Mail: ``.eml`` and Maildir messages, mbox mailboxes, Outlook ``.msg`` and ``.pst`` (extras).

- :mod:`piiscan.extractors.mail.message`: one RFC 5322 message (headers, bodies,
  attachments as members, forwarded messages);
- :mod:`piiscan.extractors.mail.mbox`: an mbox file, one member per message;
- :mod:`piiscan.extractors.mail.outlook`: Outlook ``.msg`` through extract-msg (GPL-3.0),
  installed only with the ``piiscan-se[msg]`` extra;
- :mod:`piiscan.extractors.mail.pst`: Outlook ``.pst``/``.ost`` through libpff-python
  (LGPL-3.0-or-later), the ``piiscan-se[pst]`` extra, one member per message;
- :mod:`piiscan.extractors.mail.locators`: the ``message=``/``part=``/``attachment=`` steps
  and their escaping.

A Maildir needs no extractor of its own: its message files (``cur/``, ``new/``) have no
extension and are recognised as messages by their header block
(:func:`piiscan.extractors.sniff.looks_like_message`).

.. versionadded:: 0.2
"""
