"""The registry of prompt variants: name -> how a source segment becomes chat messages.

A variant only says which optional parts it shows (neighbouring lines, lexicon hints, name hints,
few-shot examples, the translation memory's matches); the dataset code fills those parts only for
the variants that use them. Adding
a variant here makes it available to the ablation grid by name. Standard library only: the Kaggle
notebook inlines this file.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace

SYSTEM_PROMPT = (
    "You are an expert in Old Assyrian. Translate the Akkadian transliteration into fluent "
    "English. Keep personal names, numbers and <gap> markers. Answer with the translation only."
)


@dataclass(frozen=True)
class PromptInput:
    """Everything a prompt may show about one segment; empty parts are simply left out."""

    source: str
    context: Sequence[str] = ()  # preceding segments of the same document, oldest first
    lexicon_hint: str = ""
    name_hint: str = ""
    shots: Sequence[tuple[str, str]] = ()  # (transliteration, translation) examples
    # The memory's best matches: (stored transliteration, its translation repaired for this
    # source, similarity), best first (neural fuzzy repair: keep what matches, fix the rest).
    matches: Sequence[tuple[str, str, float]] = ()


# The tables hints are read from (the fields of prompting.hints.HintTables), and which of them
# each prompt feature needs: the rules, the hint code and the Kaggle export all ask this map. The
# shots and matches come from the memory, which matches name skeletons: it needs the name tables.
HINT_TABLES = ("lexicon", "proper_nouns", "memory")
MEMORY_TABLES = ("memory", "lexicon", "proper_nouns")
FEATURE_TABLES = {
    "lexicon": ("lexicon",),
    "names": ("proper_nouns",),
    "shots": MEMORY_TABLES,
    "matches": MEMORY_TABLES,
    "slots": ("lexicon", "proper_nouns"),  # the name speller that masks and fills names
}


def tables_for(features: Iterable[str]) -> tuple[str, ...]:
    """The hint tables ``features`` need, in ``HINT_TABLES`` order."""
    needed = {table for feature in features for table in FEATURE_TABLES.get(feature, ())}
    return tuple(t for t in HINT_TABLES if t in needed)


@dataclass(frozen=True)
class PromptVariant:
    name: str
    description: str
    context_segments: int = 0
    lexicon: bool = False
    names: bool = False
    shots: int = 0
    matches: int = 0
    # Names as numbered placeholders (PN1, GN1) in the source and the training target, filled
    # back with the speller's spelling after decoding (prompting.records.mask_names_in).
    slots: bool = False
    features: frozenset[str] = field(init=False)
    tables: tuple[str, ...] = field(init=False)  # the hint tables its features need

    def __post_init__(self) -> None:
        used = {
            "context": self.context_segments > 0,
            "lexicon": self.lexicon,
            "names": self.names,
            "shots": self.shots > 0,
            "matches": self.matches > 0,
            "slots": self.slots,
        }
        object.__setattr__(self, "features", frozenset(k for k, on in used.items() if on))
        object.__setattr__(self, "tables", tables_for(self.features))


PROMPTS: dict[str, PromptVariant] = {
    v.name: v
    for v in (
        PromptVariant("plain", "source only"),
        PromptVariant("doc_context", "source + 2 preceding segments", context_segments=2),
        PromptVariant("lexicon", "source + lexicon glosses", lexicon=True),
        PromptVariant("names", "source + proper-noun spellings", names=True),
        PromptVariant("fewshot_k4", "source + 4 retrieved examples", shots=4),
        PromptVariant(
            "all",
            "context, lexicon, names and 4 retrieved examples",
            context_segments=2,
            lexicon=True,
            names=True,
            shots=4,
        ),
        PromptVariant("memory_k1", "source + the memory's best match", matches=1),
        PromptVariant("memory_k2", "source + the memory's 2 best matches", matches=2),
        PromptVariant("name_slots", "source with names as placeholders PN1, GN1", slots=True),
        PromptVariant(
            "name_slots_memory_k1",
            "names as placeholders + the memory's best match, in placeholders too",
            slots=True,
            matches=1,
        ),
        PromptVariant(
            "name_slots_memory_k2",
            "names as placeholders + the memory's 2 best matches, in placeholders too",
            slots=True,
            matches=2,
        ),
    )
}


def get_variant(name: str) -> PromptVariant:
    try:
        return PROMPTS[name]
    except KeyError:
        raise KeyError(f"unknown prompt variant '{name}'; known: {sorted(PROMPTS)}") from None


def user_message(variant: PromptVariant, item: PromptInput) -> str:
    parts: list[str] = []
    for src, tgt in list(item.shots)[: variant.shots]:
        parts.append(f"Example:\n{src}\n=> {tgt}")
    if variant.context_segments and item.context:
        context = list(item.context)[-variant.context_segments :]
        parts.append("Preceding lines:\n" + "\n".join(context))
    if variant.lexicon and item.lexicon_hint:
        parts.append(f"Glossary: {item.lexicon_hint}")
    if variant.names and item.name_hint:
        parts.append(f"Names: {item.name_hint}")
    for src, tgt, similarity in list(item.matches)[: variant.matches]:
        parts.append(f"Memory {similarity:.1f}:\n{src}\n=> {tgt}")
    parts.append(f"Translate:\n{item.source}")
    return "\n\n".join(parts)


def build_messages(variant: str | PromptVariant, item: PromptInput) -> list[dict[str, str]]:
    """System + user messages for one segment (the assistant turn is the translation)."""
    if isinstance(variant, str):
        variant = get_variant(variant)
    return [
        {"role": "system", "content": SYSTEM_PROMPT},
        {"role": "user", "content": user_message(variant, item)},
    ]


HINT_SEP = "; "
Messages = list[dict[str, str]]


def _visible(variant: PromptVariant, item: PromptInput) -> PromptInput:
    """Only the parts ``variant`` shows, so the budget trims what the prompt really holds."""
    return PromptInput(
        source=item.source,
        context=tuple(item.context)[-variant.context_segments :]
        if variant.context_segments
        else (),
        lexicon_hint=item.lexicon_hint if variant.lexicon else "",
        name_hint=item.name_hint if variant.names else "",
        shots=tuple(item.shots)[: variant.shots],
        matches=tuple(item.matches)[: variant.matches],
    )


def _shrink(item: PromptInput) -> PromptInput | None:
    """One step smaller, least useful part first: extra shots (last first), glossary items
    (last first), context (oldest first), name items, the last shot, memory matches (last
    first); None when only the source is left (the source itself is never cut)."""
    if len(item.shots) > 1:
        return replace(item, shots=tuple(item.shots)[:-1])
    if item.lexicon_hint:
        return replace(item, lexicon_hint=HINT_SEP.join(item.lexicon_hint.split(HINT_SEP)[:-1]))
    if item.context:
        return replace(item, context=tuple(item.context)[1:])
    if item.name_hint:
        return replace(item, name_hint=HINT_SEP.join(item.name_hint.split(HINT_SEP)[:-1]))
    if item.shots:
        return replace(item, shots=())
    if item.matches:
        return replace(item, matches=tuple(item.matches)[:-1])
    return None


def fit_to_budget(
    variant: str | PromptVariant,
    item: PromptInput,
    count_tokens: Callable[[Messages], int],
    max_tokens: int,
) -> tuple[PromptInput, int, bool]:
    """Trim hints and shots until the rendered prompt has at most ``max_tokens`` tokens.

    Returns the trimmed input, its token count and whether anything was cut. A prompt whose
    source alone is over the budget comes back with the source only (and its count).
    """
    if isinstance(variant, str):
        variant = get_variant(variant)
    item = _visible(variant, item)
    n = count_tokens(build_messages(variant, item))
    if n <= max_tokens:
        return item, n, False
    states = [item]
    while (smaller := _shrink(states[-1])) is not None:
        states.append(smaller)
    if len(states) == 1:  # the source alone is over the budget: nothing to trim
        return item, n, False
    # Each state is a shrunk copy of the one before, so counts fall along the list: binary
    # search for the first that fits (the last, source only, when none does).
    lo, hi, counts = 1, len(states) - 1, {0: n}
    while lo < hi:
        mid = (lo + hi) // 2
        counts[mid] = count_tokens(build_messages(variant, states[mid]))
        if counts[mid] <= max_tokens:
            hi = mid
        else:
            lo = mid + 1
    if lo not in counts:
        counts[lo] = count_tokens(build_messages(variant, states[lo]))
    return states[lo], counts[lo], lo > 0
