"""The boilerplate lexicon: phrases of site furniture in several languages, matched fuzzily.

The built-in phrases live in `dedup/data/lexicon/<language>.txt`. A user file in the same
format adds phrases, and a line `!phrase` in it removes a built-in one. Format, one entry a line:

    # comment
    leave a comment          -> matches a whole short line ("Leave a Comment", "leave a coment")
    also read ...            -> matches the start of a label line ("Also Read | Budget 2024: ...")
    sign up for our *        -> a call to action: matches the start of any line, even a sentence

Case, punctuation, symbols and spacing are ignored (`normalize_line`). Matching uses rapidfuzz
`fuzz.ratio` with a score cutoff, so a typo or a missing letter still matches.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from rapidfuzz import fuzz, process

from dedup.errors import ConfigError

LANGUAGES = ("en", "ur", "hi", "es", "fr", "de")
PREFIX_MARK = "..."
ACTION_MARK = "*"


def normalize_line(text: str) -> str:
    """Casefolded NFKC text with punctuation and symbols turned into single spaces.

    Combining marks stay, so Devanagari and Urdu words keep their vowel signs.

    Example:
        >>> normalize_line("  Also READ | Budget—2024… ")
        'also read budget 2024'
    """
    folded = unicodedata.normalize("NFKC", text).casefold()
    return " ".join(folded.translate(_SEPARATORS).split())


def normalize_lines(text: str) -> list[str]:
    """`normalize_line` of each line of `text` (split at "\\n"), NFKC and case folding done
    once for the whole text instead of once a line.

    Lines normalize on their own: a line break is a starter that composes with nothing
    and no character folds into one, so NFKC and case folding never reach across it
    (checked: if the count of lines changed, each line is normalized alone).

    Example:
        >>> normalize_lines("  Also READ | Budget—2024… \\n\\nHome")
        ['also read budget 2024', '', 'home']
    """
    parts = unicodedata.normalize("NFKC", text).casefold().split("\n")
    if len(parts) != text.count("\n") + 1:
        return [normalize_line(line) for line in text.split("\n")]
    # The table line by line: `str.translate` is much faster on a line that is all ASCII,
    # and most are, in documents that are not.
    return [" ".join(part.translate(_SEPARATORS).split()) for part in parts]


class _SeparatorTable(dict[int, str]):
    """`str.translate` table: punctuation, symbols, separators and controls become a space.

    Filled lazily, one `unicodedata.category` call per distinct code point ever seen
    instead of one per character of every line.
    """

    def __missing__(self, point: int) -> str:
        char = chr(point)
        mapped = " " if unicodedata.category(char)[0] in "PSZC" else char
        self[point] = mapped
        return mapped


_SEPARATORS = _SeparatorTable()


@dataclass(frozen=True, slots=True)
class LexiconMatch:
    """A lexicon hit: the phrase, the rapidfuzz similarity (0-1), and its kind.

    `prefix` hits start the line; `action` prefixes (calls to action) need no separator.
    """

    phrase: str
    similarity: float
    prefix: bool
    action: bool = False


class Lexicon:
    """Whole-line and prefix phrases, normalized once, matched with a score cutoff.

    Example:
        >>> lex = Lexicon(["leave a comment", "also read ..."])
        >>> lex.match_line("leave a coment").phrase
        'leave a comment'
        >>> lex.match_prefix("also read budget 2024").phrase
        'also read'
    """

    def __init__(self, entries: list[str]) -> None:
        lines: set[str] = set()
        prefixes: set[str] = set()
        self.actions: set[str] = set()
        for entry in entries:
            entry = entry.rstrip()
            is_action = entry.endswith(" " + ACTION_MARK)
            is_prefix = is_action or entry.endswith(PREFIX_MARK)
            phrase = normalize_line(entry.rstrip(ACTION_MARK + "." + " ") if is_prefix else entry)
            if phrase:
                (prefixes if is_prefix else lines).add(phrase)
                if is_action:
                    self.actions.add(phrase)
        self.lines = sorted(lines)
        self._reach: dict[tuple[int, bool, float], list[str]] = {}
        self.prefixes = sorted(prefixes, key=lambda p: (-len(p), p))
        # Cheap prefilter: only prefixes that share the first letter are scored, and the
        # word boundary is tested once for all phrases of a length (longest first, as above).
        self._by_initial: dict[str, list[tuple[int, list[str]]]] = {}
        for phrase in self.prefixes:
            groups = self._by_initial.setdefault(phrase[0], [])
            if not groups or groups[-1][0] != len(phrase):
                groups.append((len(phrase), []))
            groups[-1][1].append(phrase)

    def match_line(self, norm: str, cutoff: float = 0.9) -> LexiconMatch | None:
        """The best whole-line phrase for the normalized line `norm`, if any scores >= cutoff."""
        if not norm:
            return None
        one_word = " " not in norm
        if one_word:  # one word is matched exactly: "comment" is not "comments"
            cutoff = 1.0
        choices = self._within_reach(len(norm), one_word, cutoff)
        if not choices:
            return None
        found = process.extract(
            norm, choices, scorer=fuzz.ratio, processor=None, score_cutoff=cutoff * 100, limit=None
        )
        for phrase, score, _ in found:
            if score == 100 or keeps_words(phrase, norm):
                return LexiconMatch(phrase, round(score / 100, 4), prefix=False)
        return None

    def _within_reach(self, length: int, one_word: bool, cutoff: float) -> list[str]:
        """The whole-line phrases whose length lets them score `cutoff` against a line of
        `length` characters, one-word phrases for a one-word line and the others for the
        rest, in lexicon order (so ties go as over the whole lexicon).

        Two texts of lengths a and b are at least |a - b| edits apart, so their ratio is at
        most 1 - |a - b| / (a + b); a character of slack covers the rounding of `cutoff`.
        A line of prose is no phrase's length: most lines are compared with none. A single
        word never matches a phrase of several: "login" (a command, an option value) is not
        "log in", though their ratio is 0.91; "Share on X (Twitter)" still matches "share on
        twitter".
        """
        key = (length, one_word, cutoff)
        found = self._reach.get(key)
        if found is None:
            found = [
                p
                for p in self.lines
                if abs(len(p) - length) <= (1 - cutoff) * (len(p) + length) + 1
                and (" " not in p) == one_word
            ]
            self._reach[key] = found
        return found

    def match_prefix(self, norm: str, cutoff: float = 0.9) -> LexiconMatch | None:
        """The longest prefix phrase that starts the normalized line `norm` (fuzzily)."""
        best: LexiconMatch | None = None
        for length, phrases in self._by_initial.get(norm[:1], ()):
            # A prefix must end at a word boundary of the line, not inside a word.
            if len(norm) > length and norm[length] != " ":
                continue
            head = norm[:length]
            one_word = " " not in head
            for phrase in phrases:
                if (" " not in phrase) != one_word:  # "lastupdate" is not "last updated"
                    continue
                score = fuzz.ratio(phrase, head) / 100
                if score < cutoff or (score < 1 and not keeps_words(phrase, head)):
                    continue
                if best is None or score > best.similarity:
                    best = LexiconMatch(phrase, round(score, 4), True, phrase in self.actions)
        return best


WORD_SIMILARITY = 60  # fuzz.ratio a phrase's word needs with a line's word of the same initial


def keeps_words(phrase: str, text: str) -> bool:
    """Whether every word of `phrase` is in `text`, spelled alike: a line word with the same
    first letter and a `WORD_SIMILARITY` ratio. A fuzzy match differs inside words
    ("comments" for "comment", a typo), not by a word: "add comment." is a commit message,
    not "add a comment"; "review comments" is not "view comments", "follow up on" not
    "follow us on".

    Example:
        >>> keeps_words("leave a comment", "leave a comments")
        True
        >>> keeps_words("add a comment", "add comment"), keeps_words("follow us on", "follow up on")
        (False, False)
    """
    words = text.split()
    return all(
        any(v[0] == w[0] and fuzz.ratio(w, v) >= WORD_SIMILARITY for v in words)
        for w in phrase.split()
    )


def read_entries(path: str | Path) -> list[str]:
    """The entries of a lexicon or protect file (comments and blank lines dropped).

    Raises:
        ConfigError: the file cannot be read.
    """
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as ex:
        msg = f"cannot read phrase file {str(path)!r}: {ex}; pass a UTF-8 text file"
        raise ConfigError(msg) from ex
    return _entries(text)


def _entries(text: str) -> list[str]:
    out = []
    for raw in text.splitlines():
        line = raw.strip()
        if line and not line.startswith("#"):
            out.append(line)
    return out


def builtin_entries() -> list[str]:
    """Every built-in phrase, all languages.

    Example:
        >>> "leave a comment" in builtin_entries()
        True
    """
    base = resources.files("dedup") / "data" / "lexicon"
    out: list[str] = []
    for lang in LANGUAGES:
        out.extend(_entries((base / f"{lang}.txt").read_text(encoding="utf-8")))
    return out


def load_lexicon(user_file: str | None = None, *, builtin: bool = True) -> Lexicon:
    """The built-in phrases (unless `builtin` is False), plus and minus the user file's entries.

    Example:
        >>> load_lexicon().match_line("leave a reply").similarity
        1.0
    """
    entries = builtin_entries() if builtin else []
    if user_file:
        user = read_entries(user_file)
        removed = {normalize_line(e[1:]) for e in user if e.startswith("!")}
        entries = [e for e in entries if normalize_line(e) not in removed]
        entries += [e for e in user if not e.startswith("!")]
    return Lexicon(entries)


def load_protect(path: str | None) -> tuple[str, ...]:
    """Normalized protect phrases: a line containing one is never reported."""
    if not path:
        return ()
    return tuple(sorted({p for p in map(normalize_line, read_entries(path)) if p}))
