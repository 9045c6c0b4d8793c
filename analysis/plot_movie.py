#!/usr/bin/python3
"""Kept for existing command lines: the same as `python3 -m ssbsim.plot movie` (ssbsim/plot/movie.py)."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ssbsim.plot.movie import main  # noqa: E402

main()
