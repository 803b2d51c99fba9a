"""Screening: who a client is (names), who owns it (ownership) and what it does (sectors)."""
