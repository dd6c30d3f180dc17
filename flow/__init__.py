"""taalas-flow: a weights-to-silicon compiler (model -> mask-ROM personalised Sky130 chip)."""

__version__ = "0.1.0"
