"""Docs travel to and from the spaCy processes as msgpack without a look-up per Doc."""

from __future__ import annotations

from spacy.tokens import Doc
from srsly.msgpack import msgpack_decoders, msgpack_encoders


def test_a_doc_round_trip_looks_no_entry_point_up(sora_nlp, monkeypatch) -> None:
    looked_up = []
    for hooks in (msgpack_encoders, msgpack_decoders):
        monkeypatch.setattr(hooks, "get_entry_points", lambda: looked_up.append(1) or {})
    doc = sora_nlp('"We were never told," said Maren Solvik, an animator.')
    again = Doc(sora_nlp.vocab).from_bytes(doc.to_bytes())
    assert looked_up == []
    assert [(e.text, e.label_) for e in again.ents] == [(e.text, e.label_) for e in doc.ents]
    assert again._.quotes == doc._.quotes and doc._.quotes
