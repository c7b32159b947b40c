"""Privacy domains: keyed pseudonyms, disclosure control, the release audit, the personal-data gate, scrubbing and retention."""
