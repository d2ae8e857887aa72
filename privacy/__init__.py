"""Personal data in free text: masking and flags. Pure Python, no Flask."""
