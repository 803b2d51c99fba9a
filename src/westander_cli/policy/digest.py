"""The digest that pins a firm's policy: the same rules give the same digest, whatever the files' layout."""

from __future__ import annotations

import hashlib
import json

from westander_cli.policy.rules import Policy


def policy_digest(policy: Policy) -> str:
    """sha256 of the rules' canonical content (ids, kinds, severities, texts and parameters).

    Comments, key order and how the rules are spread over files do not count; any change to what a
    rule says or does does.
    """
    rules = sorted((rule.model_dump(mode="json") for rule in policy.rules), key=lambda rule: str(rule["id"]))
    blob = json.dumps(rules, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()
