"""Paper survey sheets: where everything sits on a printed page, and reading scans of them.

Pure Python on plain values and numpy arrays (like geo/); never imports Flask. Lengths are
millimetres on an A4 page, origin at the top left, y downwards.
"""
