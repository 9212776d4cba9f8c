"""Ingestion: retrievers get bytes (files, HTTP), parsers turn bytes into articles, the pipeline stores them."""
