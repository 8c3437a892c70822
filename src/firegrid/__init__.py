"""firegrid — an open-source platform for district fire & rescue services."""

__all__ = ["__version__"]

__version__ = "0.1.0"
