"""The facts catalogue and frame, open to every module.

``periods`` holds the calendar rules facts are derived with (anniversaries, "within the last
N years"). Lower layer: imports no kejin app at import time.
"""
