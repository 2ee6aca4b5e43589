"""Column names as the rules read them: accents folded, lower case, punctuation as ``_``.

Exports name columns in their language (``Débit``, ``Numéro de carte``, ``Catégorie``); the name rules are written
without accents, so a name is read with its letters folded to ASCII (``é`` -> ``e``), never with them dropped
(``Débit`` used to become ``d_bit``, matched no rule and named a segment "Low d bit").
"""

from __future__ import annotations

import re
import unicodedata


def fold_accents(text: str) -> str:
    """Return ``text`` with accents and other combining marks removed (``Numéro`` -> ``Numero``, ``º`` -> ``o``).

    Examples
    --------
    >>> fold_accents("Débit Crédit Catégorie Numéro Überweisung")
    'Debit Credit Categorie Numero Uberweisung'
    """
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def snake_name(name: object) -> str:
    """Lower case, accents folded, every run of other characters as ``_`` (``Date opération`` -> ``date_operation``).

    Examples
    --------
    >>> snake_name("Débit (EUR)"), snake_name("Avg Credit-Limit")
    ('debit_eur', 'avg_credit_limit')
    """
    return re.sub(r"[^0-9a-z]+", "_", fold_accents(str(name).strip().lower())).strip("_")
