"""imrcheck: check workers' comp treatment requests against MTUS/ODG criteria and explain the decision."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("imrcheck")
except PackageNotFoundError:  # running from a source tree that was not installed
    __version__ = "0.0.0+source"
