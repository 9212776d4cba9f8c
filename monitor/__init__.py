"""newsmon: news monitoring for analysts on one SQLite database."""

__version__ = "0.1.0"
