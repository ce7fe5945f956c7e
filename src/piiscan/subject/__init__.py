"""Access and erasure requests: where the inventory holds one person's data, and what to do.

- :mod:`.identifiers`: what identifies the person, keyed for the search (nothing raw kept);
- :mod:`.request`: a request file (case, dates, identifiers, retention rules);
- :mod:`.lookup`: :func:`lookup_subject`, places grouped from findings by value key;
- :mod:`.report`: :class:`SubjectReport`, the answer, and its versioned JSON form;
- :mod:`.worklist`: the erasure worklist built from a report;
- :mod:`.render`: the register extract and the worklist in Markdown and HTML (Jinja2).

Example::

    from piiscan.inventory import Inventory
    from piiscan.keys import load_or_create_key
    from piiscan.subject import SubjectIdentifiers, lookup_subject

    report = lookup_subject(
        Inventory(Path("inventory")),
        SubjectIdentifiers(personnummer=["19121212-1212"]),
        load_or_create_key(create=False),
    )
    for place in report.confirmed:
        print(place.root, place.path, place.categories)
"""

from __future__ import annotations

from piiscan.subject.identifiers import SearchKey, SubjectIdentifiers, search_keys
from piiscan.subject.lookup import lookup_subject
from piiscan.subject.report import Gap, Place, SearchedScan, SubjectReport
from piiscan.subject.request import RetentionRule, SubjectRequest, load_request
from piiscan.subject.worklist import Action, Worklist, build_worklist

__all__ = [
    "Action",
    "Gap",
    "Place",
    "RetentionRule",
    "SearchKey",
    "SearchedScan",
    "SubjectIdentifiers",
    "SubjectReport",
    "SubjectRequest",
    "Worklist",
    "build_worklist",
    "load_request",
    "lookup_subject",
    "search_keys",
]
