"""The configured encoders and ranker for the command-line tools, each model loaded once."""

from __future__ import annotations

import json
import os

from matchmaker.matching.config import load_matching_config
from matchmaker.matching.encoders import Encoder, ModelUnavailable, load_encoder
from matchmaker.matching.ranker import HybridRanker

_LOADED: dict[str, Encoder] = {}


class ConfigUnusable(RuntimeError):
    """The matching configuration file is missing or malformed."""


def matching_config(path: str | None = None) -> dict:
    """The configuration named by `path`, MATCHMAKER_MATCHING_CONFIG or models/matching.json."""
    chosen = path or os.environ.get("MATCHMAKER_MATCHING_CONFIG") or None
    try:
        config = load_matching_config(chosen)
    except FileNotFoundError as exc:
        raise ConfigUnusable(f"matching configuration not found: {exc.filename}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        name = chosen or "models/matching.json"
        raise ConfigUnusable(f"matching configuration {name}: {exc}") from None
    if not isinstance(config.get("encoders"), dict) or not config["encoders"]:
        raise ConfigUnusable("matching configuration names no encoders")
    return config


def load_encoders(config: dict) -> dict[str, Encoder]:
    """One encoder per configured signal; a model already loaded in this process is reused."""
    encoders = {}
    for signal, spec in config["encoders"].items():
        key = json.dumps(spec, sort_keys=True)
        if key not in _LOADED:
            try:
                _LOADED[key] = load_encoder(spec)
            except ModelUnavailable as exc:
                raise ModelUnavailable(f"{signal} encoder: {exc}") from None
            except KeyError as exc:
                raise ModelUnavailable(f"{signal} encoder: configuration lacks {exc}") from None
        encoders[signal] = _LOADED[key]
    return encoders


def fusion_weights(config: dict) -> dict[str, float]:
    return dict(config.get("fusion", {}).get("weights", {}))


def new_ranker(
    config: dict, encoders: dict[str, Encoder], weights: dict | None = None
) -> HybridRanker:
    """A ranker with the configured weights (or the given ones) and lexical options."""
    return HybridRanker(
        encoders,
        fusion_weights(config) if weights is None else weights,
        lexical=config.get("lexical"),
        centred=config.get("fusion", {}).get("centred"),
    )
