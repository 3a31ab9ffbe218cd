"""Fictional NHS trust websites whose truth is known: for `make demo`, the accuracy test and benchmarks."""

from demo.websites.duties import (
    DES,
    ERAS,
    GPG,
    MET,
    NOT_MET,
    RES,
    TrustSpec,
    generate,
    letterhead,
    write_register,
    write_truth,
)

__all__ = [
    "DES",
    "ERAS",
    "GPG",
    "MET",
    "NOT_MET",
    "RES",
    "TrustSpec",
    "generate",
    "letterhead",
    "write_register",
    "write_truth",
]
