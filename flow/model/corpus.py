"""Training text the project generates itself: a small deterministic grammar of short English
sentences. A 100k-parameter byte model can learn it in minutes on a CPU, and what it learned is
easy to recognise in greedy samples (spelling, word order, agreement, punctuation)."""

from __future__ import annotations

import random

NAMES = ["anna", "ben", "carl", "dora", "eva", "finn", "gina", "hugo", "ida", "jon"]
ANIMALS = ["cat", "dog", "bird", "fox", "cow", "frog", "duck", "bee"]
ADJS = ["small", "big", "red", "old", "happy", "lazy", "quick", "green"]
PLACES = ["garden", "house", "river", "forest", "field", "barn", "park", "lake"]
PREPS = ["in", "near", "by", "behind"]
VERBS = ["sat", "ran", "slept", "sang", "played", "jumped"]
FRUITS = ["apple", "pear", "plum", "lemon", "melon"]
NUMBERS = ["two", "three", "four", "five", "six", "seven"]
COLORS = ["red", "blue", "green", "yellow", "white", "black"]
THINGS = ["ball", "hat", "box", "cup", "kite", "boat"]


def sentence(rng: random.Random) -> str:
    k = rng.randrange(5)
    if k == 0:
        return (f"the {rng.choice(ADJS)} {rng.choice(ANIMALS)} {rng.choice(VERBS)} "
                f"{rng.choice(PREPS)} the {rng.choice(PLACES)}.")
    if k == 1:
        return f"{rng.choice(NAMES)} has {rng.choice(NUMBERS)} {rng.choice(FRUITS)}s."
    if k == 2:
        return f"{rng.choice(NAMES)} likes the {rng.choice(COLORS)} {rng.choice(THINGS)}."
    if k == 3:
        a = rng.choice(ANIMALS)
        return f"the {a} and the {rng.choice([x for x in ANIMALS if x != a])} are friends."
    n = rng.choice(NAMES)
    return f"{n} went to the {rng.choice(PLACES)} with a {rng.choice(THINGS)}."


def generate_text(n_sentences: int, seed: int) -> str:
    rng = random.Random(seed)
    return " ".join(sentence(rng) for _ in range(n_sentences)) + " "


TRAIN_SEED = 1234
HELDOUT_SEED = 98765


def encode(text: str) -> list[int]:
    """Byte tokenizer: token id = UTF-8 byte value (vocab 256)."""
    return list(text.encode("utf-8"))


def decode(tokens: list[int]) -> str:
    return bytes(int(t) & 0xFF for t in tokens).decode("utf-8", errors="replace")


def heldout_tokens(n_sentences: int = 400) -> list[int]:
    return encode(generate_text(n_sentences, HELDOUT_SEED))


PROMPTS = [
    "the small cat ", "anna has ", "ben likes the ", "the dog and the ", "carl went to ",
    "the old fox sl", "dora likes the blue ", "eva has four ", "the happy bee ", "hugo went ",
    "the cow and ", "gina likes ", "the lazy duck ran ", "ida has six ", "jon went to the ",
    "the big frog ", "finn likes the red ", "the quick bird sang in the ", "anna went to the ",
    "the green dog ",
]
