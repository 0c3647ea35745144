"""Readers and writers: documents in, reports and cleaned corpora out."""
