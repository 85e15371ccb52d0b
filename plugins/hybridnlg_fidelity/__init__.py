"""A learned fidelity validator: a GPT-2 classifier (one pass per fact, or one per text) that reads facts and a text
and says, per fact, whether the text expresses it (faithful), leaves it out (missing), contradicts it (wrong), and
whether the text says anything the data does not (added). Trained on any data/text pairs by `hybridnlg
train-fidelity`."""

from .facts import LABELS, FactItem, items_from_record, query

__all__ = ["LABELS", "FactItem", "items_from_record", "query"]
