"""wst: vet possible new engagements against the firm's client policy and its intake process."""

__version__ = "0.2.0"
