"""statuspage: a static status page and maintenance-notice site generator."""

__version__ = "0.2.0.dev0"
